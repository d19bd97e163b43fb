// automx2-fcgi: accept → request → dispatch → lookup → build → respond.
#include <fcgiapp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <memory>

#include "backends/ldap_directory.h"
#include "backends/sql_store.h"
#include "core/builders/signing.h"
#include "core/config.h"
#include "core/dispatcher.h"
#include "core/errors.h"
#include "core/log.h"
#include "core/resolver.h"
#include "fcgi/check_config.h"
#include "fcgi/commands.h"
#include "fcgi/options.h"
#include "fcgi/process.h"
#include "fcgi/server.h"

namespace {

constexpr auto shutdown_grace = std::chrono::seconds(5);

bool is_listening_socket(int fd) {
    int listening = 0;
    socklen_t size = sizeof listening;
    return getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &size) == 0 && listening != 0;
}

int run(const automx2::Options& options) {
    using namespace automx2;
    Config config;
    try {
        config = load_config(options.config_file);
    } catch (const ConfigError& e) {
        std::cerr << "automx2-fcgi: configuration error: " << e.what() << "\n";
        return 2;
    }
    log::set_level(config.log_level);
    std::unique_ptr<ProfileSigner> signer;  // null: profiles unsigned
    try {
        signer = make_signer(config);
    } catch (const ConfigError& e) {
        std::cerr << "automx2-fcgi: configuration error: " << e.what() << "\n";
        return 2;
    }

    ListenSocket listen;
    try {
        listen = open_listen_socket(options.socket);
    } catch (const std::exception& e) {
        log::error(e.what());
        return 2;
    }
    if (!is_listening_socket(listen.fd)) {
        log::error("fd " + std::to_string(listen.fd) +
                   " is not a listening socket: start under spawn-fcgi, mod_fcgid or a systemd "
                   "socket unit, or pass --socket PATH|HOST:PORT");
        return 2;
    }

    std::unique_ptr<Store> store;
    try {
        SqlStoreOptions store_options;
        store_options.pool_size = options.threads;
        store_options.echo = config.db_echo;
        store_options.timeout = config.db_timeout;
        store = open_sql_store(config.db, store_options);
    } catch (const std::exception& e) {
        log::error(std::string("cannot open the database ") + config.db.display + ": " + e.what());
        return 1;
    }
    LdapOptions ldap_options;
    ldap_options.network_timeout = config.ldap_network_timeout;
    ldap_options.operation_timeout = config.ldap_timeout;
    ldap_options.ca_file = config.ldap_ca_file;
    ldap_options.verify_tls = config.ldap_tls_verify;
    std::unique_ptr<Directory> directory = make_ldap_directory(ldap_options);
    Resolver resolver(*store, directory.get());
    ResponseCache cache(CachePolicy{std::chrono::seconds(config.response_cache_ttl),
                                    std::chrono::seconds(config.ldap_cache_ttl)});
    Dispatcher dispatcher(
        Services{config, *store, resolver, signer.get(), config.response_cache ? &cache : nullptr});

    Server server(listen, config, dispatcher);
    server.start(options.threads);
    notify_ready();
    log::info("serving with " + std::to_string(options.threads) + " threads, database " +
              config.db.display);

    wait_for_stop_signal([&] {
        if (!server.stop(shutdown_grace)) {
            log::warning("requests still in flight after the grace period; exiting anyway");
        }
    });
    log::info("stopped");
    // Threads may still sit in a read on an idle kept-open connection: leave without
    // running destructors under their feet.
    _exit(0);
}

}  // namespace

int main(int argc, char** argv) {
    // `dns` and `lookup` are operator commands, not the service (fcgi/commands.h).
    if (auto status = automx2::run_command(argc, argv)) {
        return *status;
    }
    automx2::take_over_signals();
    automx2::Options options;
    try {
        options = automx2::parse_options(argc, argv);
    } catch (const std::exception& e) {
        std::cerr << "automx2-fcgi: " << e.what() << "\n\n" << automx2::usage();
        return 2;
    }
    if (options.show_help) {
        std::cout << automx2::usage() << "\n" << automx2::commands_usage();
        return 0;
    }
    if (options.show_version) {
        std::cout << "automx2-fcgi " << AUTOMX2_VERSION << "\n";
        return 0;
    }
    if (options.check_config) {
        return automx2::check_config(options, std::cout, std::cerr);
    }
    automx2::tune_malloc();
    if (FCGX_Init() != 0) {
        std::cerr << "automx2-fcgi: FCGX_Init failed\n";
        return 1;
    }
    return run(options);
}
