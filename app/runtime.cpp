#include "app/runtime.h"

#include <chrono>
#include <ostream>

#include "backends/ldap_directory.h"
#include "backends/sql_store.h"
#include "core/errors.h"
#include "core/log.h"

namespace automx2 {

Runtime::Runtime(const std::string& config_file, bool with_signer)
    : config_(load_config(config_file)) {
    log::set_level(config_.log_level);
    if (with_signer)
        signer_ = make_signer(config_);
}

Runtime::~Runtime() = default;

void Runtime::open_backends(std::size_t sessions) {
    SqlStoreOptions store_options;
    store_options.pool_size = sessions;
    store_options.echo = config_.db_echo;
    store_options.timeout = config_.db_timeout;
    store_ = open_sql_store(config_.db, store_options);

    LdapOptions ldap_options;
    ldap_options.network_timeout = config_.ldap_network_timeout;
    ldap_options.operation_timeout = config_.ldap_timeout;
    ldap_options.ca_file = config_.ldap_ca_file;
    ldap_options.verify_tls = config_.ldap_tls_verify;
    directory_ = make_ldap_directory(ldap_options);
    resolver_ = std::make_unique<Resolver>(*store_, directory_.get(),
                                           config_.ldap_unknown_user == "domain");
    if (config_.response_cache) {
        cache_ = std::make_unique<ResponseCache>(
            CachePolicy{std::chrono::seconds(config_.response_cache_ttl),
                        std::chrono::seconds(config_.ldap_cache_ttl)});
    }
    dispatcher_ = std::make_unique<Dispatcher>(
        Services{config_, *store_, *resolver_, signer_.get(), cache_.get()});
}

std::unique_ptr<Runtime> open_command_runtime(const std::string& config_file, bool with_signer,
                                              std::ostream& err) {
    std::unique_ptr<Runtime> runtime;
    try {
        runtime = std::make_unique<Runtime>(config_file, with_signer);
    } catch (const ConfigError& e) {
        err << "automx2-fcgi: configuration error: " << e.what() << "\n";
        return nullptr;
    }
    try {
        runtime->open_backends(1);
    } catch (const std::exception& e) {
        err << "automx2-fcgi: cannot open the database " << runtime->config().db.display << ": "
            << e.what() << "\n";
        return nullptr;
    }
    return runtime;
}

}  // namespace automx2
