#include "backends/ldap_directory.h"

#include <ldap.h>
#include <sys/time.h>

#include <atomic>
#include <map>

#include "backends/ldap_filter.h"
#include "core/errors.h"
#include "core/log.h"

namespace automx2 {
namespace {

struct LdapUnbind {
    void operator()(LDAP* ld) const noexcept { ldap_unbind_ext_s(ld, nullptr, nullptr); }
};
struct MessageFree {
    void operator()(LDAPMessage* m) const noexcept { ldap_msgfree(m); }
};
struct ValuesFree {
    void operator()(berval** v) const noexcept { ldap_value_free_len(v); }
};
using LdapHandle = std::unique_ptr<LDAP, LdapUnbind>;
using Message = std::unique_ptr<LDAPMessage, MessageFree>;
using Values = std::unique_ptr<berval*, ValuesFree>;

timeval to_timeval(std::chrono::milliseconds ms) {
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
    tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
    return tv;
}

// The connection is unusable after these; anything else is an answer from the server.
bool breaks_connection(int rc) {
    return rc == LDAP_SERVER_DOWN || rc == LDAP_TIMEOUT || rc == LDAP_CONNECT_ERROR ||
           rc == LDAP_UNAVAILABLE || rc == LDAP_BUSY || rc == LDAP_LOCAL_ERROR ||
           rc == LDAP_TIMELIMIT_EXCEEDED;
}

struct Failure {
    int rc;
    std::string what;
};

struct Connection {
    LdapHandle ld;
    bool bound = false;
};

class LdapDirectory : public Directory {
  public:
    explicit LdapDirectory(const LdapOptions& options) : options_(options) {
        if (!options_.verify_tls) {
            log::warning("LDAP TLS certificate verification is OFF: use this for testing only");
        }
    }

    std::optional<DirectoryEntry> find(const LdapServerRow& server,
                                       const std::string& address) override {
        const std::string uri = ldap_uri(server);
        Connection& connection = connection_for(server, uri);
        // A kept connection may have died since its last use (directory restarted):
        // then one fresh attempt follows, so a request waits at most two timeouts.
        const bool reused = static_cast<bool>(connection.ld);
        for (int attempt = 0;; ++attempt) {
            try {
                if (!connection.ld) {
                    connection.ld = open(uri);
                    connection.bound = false;
                }
                if (!connection.bound) {
                    bind(connection, server);
                }
                return search(connection, server, address);
            } catch (const Failure& failure) {
                connection.ld.reset();
                connection.bound = false;
                std::string message = "LDAP server " + std::to_string(server.id) + " (" + uri +
                                      "): " + failure.what + ": " + ldap_err2string(failure.rc);
                if (reused && attempt == 0 && breaks_connection(failure.rc)) {
                    log::info(message + "; reconnecting");
                    continue;
                }
                throw BackendUnavailable(message);
            }
        }
    }

  private:
    Connection& connection_for(const LdapServerRow& server, const std::string& uri) {
        // One connection per worker thread and directory binding; the instance id keeps
        // directories with different options apart.
        thread_local std::map<std::string, Connection> connections;
        std::string key = std::to_string(instance_) + "\n" + uri + "\n" +
                          server.bind_user.value_or("") + "\n" + std::to_string(server.id);
        return connections[key];
    }

    LdapHandle open(const std::string& uri) const {
        LDAP* raw = nullptr;
        int rc = ldap_initialize(&raw, uri.c_str());
        LdapHandle ld(raw);
        if (rc != LDAP_SUCCESS || !ld) {
            throw Failure{rc, "cannot initialise"};
        }
        int version = LDAP_VERSION3;
        ldap_set_option(ld.get(), LDAP_OPT_PROTOCOL_VERSION, &version);
        ldap_set_option(ld.get(), LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
        ldap_set_option(ld.get(), LDAP_OPT_RESTART, LDAP_OPT_ON);
        timeval network = to_timeval(options_.network_timeout);
        ldap_set_option(ld.get(), LDAP_OPT_NETWORK_TIMEOUT, &network);
        timeval operation = to_timeval(options_.operation_timeout);
        ldap_set_option(ld.get(), LDAP_OPT_TIMEOUT, &operation);
        int require = options_.verify_tls ? LDAP_OPT_X_TLS_DEMAND : LDAP_OPT_X_TLS_NEVER;
        ldap_set_option(ld.get(), LDAP_OPT_X_TLS_REQUIRE_CERT, &require);
        if (!options_.ca_file.empty()) {
            ldap_set_option(ld.get(), LDAP_OPT_X_TLS_CACERTFILE, options_.ca_file.c_str());
        }
        int is_server = 0;  // apply the TLS options above to this handle's own context
        ldap_set_option(ld.get(), LDAP_OPT_X_TLS_NEWCTX, &is_server);
        return ld;
    }

    void bind(Connection& connection, const LdapServerRow& server) const {
        if (!server.bind_user || server.bind_user->empty()) {
            connection.bound = true;  // anonymous: LDAPv3 needs no bind
            return;
        }
        std::string password = server.bind_password.value_or("");
        berval credentials{static_cast<ber_len_t>(password.size()), password.data()};
        int rc = ldap_sasl_bind_s(connection.ld.get(), server.bind_user->c_str(), LDAP_SASL_SIMPLE,
                                  &credentials, nullptr, nullptr, nullptr);
        if (rc != LDAP_SUCCESS) {
            throw Failure{rc, "bind as " + *server.bind_user + " failed"};
        }
        connection.bound = true;
    }

    std::optional<DirectoryEntry> search(Connection& connection, const LdapServerRow& server,
                                         const std::string& address) const {
        const std::string filter = build_filter(server.search_filter, address);
        std::vector<char*> attributes;
        attributes.push_back(const_cast<char*>(server.attr_uid.c_str()));
        if (server.attr_cn && !server.attr_cn->empty()) {
            attributes.push_back(const_cast<char*>(server.attr_cn->c_str()));
        }
        attributes.push_back(nullptr);
        timeval timeout = to_timeval(options_.operation_timeout);
        LDAPMessage* raw = nullptr;
        int rc = ldap_search_ext_s(connection.ld.get(), server.search_base.c_str(),
                                   LDAP_SCOPE_SUBTREE, filter.c_str(), attributes.data(), 0,
                                   nullptr, nullptr, &timeout, 1, &raw);
        Message result(raw);
        if (rc == LDAP_NO_SUCH_OBJECT) {
            log::warning("LDAP server " + std::to_string(server.id) + ": search base " +
                         server.search_base + " does not exist");
            return std::nullopt;
        }
        // Size limit 1: a second match is reported as exceeded, with the first entry.
        if (rc != LDAP_SUCCESS && rc != LDAP_SIZELIMIT_EXCEEDED) {
            throw Failure{rc, "search failed"};
        }
        LDAPMessage* entry = ldap_first_entry(connection.ld.get(), result.get());
        if (entry == nullptr) {
            return std::nullopt;
        }
        DirectoryEntry found;
        found.uid = first_value(connection.ld.get(), entry, server.attr_uid);
        if (server.attr_cn && !server.attr_cn->empty()) {
            found.cn = first_value(connection.ld.get(), entry, *server.attr_cn);
        }
        return found;
    }

    static std::optional<std::string> first_value(LDAP* ld, LDAPMessage* entry,
                                                  const std::string& attribute) {
        Values values(ldap_get_values_len(ld, entry, attribute.c_str()));
        if (!values || values.get()[0] == nullptr) {
            return std::nullopt;
        }
        const berval* value = values.get()[0];
        return std::string(value->bv_val, value->bv_len);
    }

    static inline std::atomic<long> next_instance_{1};
    LdapOptions options_;
    long instance_ = next_instance_++;
};

}  // namespace

std::unique_ptr<Directory> make_ldap_directory(const LdapOptions& options) {
    return std::make_unique<LdapDirectory>(options);
}

}  // namespace automx2
