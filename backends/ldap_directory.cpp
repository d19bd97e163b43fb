#include "backends/ldap_directory.h"

#include <ldap.h>
#include <sys/time.h>

#include <atomic>
#include <map>
#include <vector>

#include "backends/ldap_filter.h"
#include "core/errors.h"
#include "core/log.h"
#include "core/metrics.h"

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

// After these a kept connection was found dead (the directory restarted or dropped it):
// one fresh attempt follows. Not after LDAP_TIMEOUT: a silent directory is not a stale
// connection, and a second attempt would only double the wait. Anything else is the
// server's answer and is final.
bool breaks_connection(int rc) {
    return rc == LDAP_SERVER_DOWN || rc == LDAP_CONNECT_ERROR || rc == LDAP_UNAVAILABLE ||
           rc == LDAP_BUSY || rc == LDAP_LOCAL_ERROR;
}

// The library's or the server's detail for the last error (e.g. why a certificate was
// refused), shortened and printable. Servers never echo credentials in it.
std::string diagnostic(LDAP* ld) {
    char* raw = nullptr;
    if (ld == nullptr ||
        ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &raw) != LDAP_OPT_SUCCESS ||
        raw == nullptr) {
        return {};
    }
    std::string text(raw);
    ldap_memfree(raw);
    if (text.size() > 200) {
        text.resize(200);
    }
    for (char& c : text) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
            c = ' ';
        }
    }
    return text;
}

struct Failure {
    int rc;
    std::string what;
    std::string detail;
};

struct Connection {
    LdapHandle ld;
    bool bound = false;
    // The credentials of the bind: a changed ldapserver row is rebound, not reused as is.
    std::optional<std::string> bound_user;
    std::optional<std::string> bound_password;

    void reset() {
        ld.reset();
        bound = false;
        bound_user.reset();
        bound_password.reset();
    }
};

class LdapDirectory : public Directory {
  public:
    explicit LdapDirectory(const LdapOptions& options) : options_(options) {
        if (!options_.verify_tls) {
            log::warning("LDAP TLS certificate verification is OFF: use this for testing only");
        }
        warm_up();
    }

    std::optional<DirectoryEntry> find(const LdapServerRow& server,
                                       const std::string& address) override {
        const std::string uri = ldap_uri(server);
        Connection& connection = connection_for(server, uri);
        // A kept connection may have died since its last use (directory restarted):
        // then one fresh attempt follows. A timeout ends the request, so a silent
        // directory costs one timeout (SPEC §11).
        const bool reused = static_cast<bool>(connection.ld);
        for (int attempt = 0;; ++attempt) {
            try {
                if (!connection.ld) {
                    connection.ld = open(server, uri);
                }
                if (!connection.bound || connection.bound_user != server.bind_user ||
                    connection.bound_password != server.bind_password) {
                    bind(connection, server);
                }
                return search(connection, server, address);
            } catch (const Failure& failure) {
                connection.reset();
                std::string message = "LDAP server " + std::to_string(server.id) + " (" + uri +
                                      "): " + failure.what + ": " + ldap_err2string(failure.rc);
                if (!failure.detail.empty()) {
                    message += " (" + failure.detail + ")";
                }
                if (reused && attempt == 0 && breaks_connection(failure.rc)) {
                    log::info(message + "; reconnecting");
                    continue;
                }
                metrics::registry().fault(
                    metrics::Backend::ldap,
                    failure.rc == LDAP_TIMEOUT || failure.rc == LDAP_TIMELIMIT_EXCEEDED
                        ? metrics::Fault::timeout
                        : metrics::Fault::error);
                throw BackendUnavailable(message);
            }
        }
    }

  private:
    // libldap initialises itself and its TLS layer on first use without a lock: do it
    // once here, while the process has a single thread.
    void warm_up() const {
        LDAP* raw = nullptr;
        if (ldap_initialize(&raw, "ldaps://localhost") == LDAP_SUCCESS && raw != nullptr) {
            LdapHandle ld(raw);
            int is_server = 0;
            ldap_set_option(ld.get(), LDAP_OPT_X_TLS_NEWCTX, &is_server);
        }
    }

    Connection& connection_for(const LdapServerRow& server, const std::string& uri) {
        // One connection per worker thread and directory server; the instance id keeps
        // directories with different options apart.
        thread_local std::map<std::string, Connection> connections;
        std::string key = std::to_string(instance_) + "\n" + std::to_string(server.id) + "\n" + uri;
        return connections[key];
    }

    LdapHandle open(const LdapServerRow& server, const std::string& uri) const {
        LDAP* raw = nullptr;
        int rc = ldap_initialize(&raw, uri.c_str());
        LdapHandle ld(raw);
        if (rc != LDAP_SUCCESS || !ld) {
            throw Failure{rc, "cannot use this address", {}};
        }
        int version = LDAP_VERSION3;
        ldap_set_option(ld.get(), LDAP_OPT_PROTOCOL_VERSION, &version);
        ldap_set_option(ld.get(), LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
        ldap_set_option(ld.get(), LDAP_OPT_RESTART, LDAP_OPT_ON);
        // Connecting (TCP and the TLS handshake) is bounded by the network timeout; each
        // synchronous call (bind, search) by the operation timeout.
        timeval network = to_timeval(options_.network_timeout);
        timeval operation = to_timeval(options_.operation_timeout);
        if (ldap_set_option(ld.get(), LDAP_OPT_NETWORK_TIMEOUT, &network) != LDAP_OPT_SUCCESS ||
            ldap_set_option(ld.get(), LDAP_OPT_TIMEOUT, &operation) != LDAP_OPT_SUCCESS) {
            throw Failure{LDAP_LOCAL_ERROR, "cannot set the timeouts", {}};
        }
        // Without CONNECT_ASYNC, libldap 2.5 runs the ldaps handshake in a loop that
        // neither polls nor looks at the clock: a server that accepts and never answers
        // keeps the worker spinning for ever. With it, the handshake is bounded by the
        // network timeout too (the synchronous calls still wait for the connection).
        if (ldap_set_option(ld.get(), LDAP_OPT_CONNECT_ASYNC, LDAP_OPT_ON) != LDAP_OPT_SUCCESS) {
            throw Failure{LDAP_LOCAL_ERROR, "cannot connect asynchronously", {}};
        }
        if (server.use_ssl) {
            set_up_tls(ld.get());
        }
        return ld;
    }

    // The TLS options go into this handle's own context (NEWCTX), leaving the
    // process-wide defaults (ldap.conf) alone; without a CA file the defaults' CAs
    // (Debian: the system's bundle) remain.
    void set_up_tls(LDAP* ld) const {
        int require = options_.verify_tls ? LDAP_OPT_X_TLS_DEMAND : LDAP_OPT_X_TLS_NEVER;
        bool ok = ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &require) == LDAP_OPT_SUCCESS;
        if (ok && !options_.ca_file.empty()) {
            ok = ldap_set_option(ld, LDAP_OPT_X_TLS_CACERTFILE, options_.ca_file.c_str()) ==
                 LDAP_OPT_SUCCESS;
        }
        int is_server = 0;
        if (!ok || ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &is_server) != LDAP_OPT_SUCCESS) {
            std::string what = "cannot set up TLS";
            if (!options_.ca_file.empty()) {
                what += " with CA file " + options_.ca_file;
            }
            throw Failure{LDAP_LOCAL_ERROR, what, diagnostic(ld)};
        }
    }

    void bind(Connection& connection, const LdapServerRow& server) const {
        connection.bound = false;
        if (!server.bind_user || server.bind_user->empty()) {
            // Anonymous: LDAPv3 needs no bind, but a connection bound before must drop
            // its identity.
            if (connection.bound_user && !connection.bound_user->empty()) {
                throw_if_failed(connection, anonymous_bind(connection.ld.get()), "anonymous bind");
            }
        } else {
            std::string password = server.bind_password.value_or("");
            berval credentials{static_cast<ber_len_t>(password.size()), password.data()};
            int rc = ldap_sasl_bind_s(connection.ld.get(), server.bind_user->c_str(),
                                      LDAP_SASL_SIMPLE, &credentials, nullptr, nullptr, nullptr);
            throw_if_failed(connection, rc, "bind as " + *server.bind_user);
        }
        connection.bound = true;
        connection.bound_user = server.bind_user;
        connection.bound_password = server.bind_password;
    }

    static int anonymous_bind(LDAP* ld) {
        berval none{0, nullptr};
        return ldap_sasl_bind_s(ld, nullptr, LDAP_SASL_SIMPLE, &none, nullptr, nullptr, nullptr);
    }

    static void throw_if_failed(const Connection& connection, int rc, const std::string& what) {
        if (rc != LDAP_SUCCESS) {
            throw Failure{rc, what + " failed", diagnostic(connection.ld.get())};
        }
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
            throw_if_failed(connection, rc, "search");
        }
        LDAPMessage* entry = ldap_first_entry(connection.ld.get(), result.get());
        if (entry == nullptr) {
            return std::nullopt;
        }
        DirectoryEntry found;
        found.uid = first_value(connection.ld.get(), entry, server, server.attr_uid);
        if (server.attr_cn && !server.attr_cn->empty()) {
            found.cn = first_value(connection.ld.get(), entry, server, *server.attr_cn);
        }
        return found;
    }

    static std::optional<std::string> first_value(LDAP* ld, LDAPMessage* entry,
                                                  const LdapServerRow& server,
                                                  const std::string& attribute) {
        Values values(ldap_get_values_len(ld, entry, attribute.c_str()));
        if (!values || values.get()[0] == nullptr) {
            return std::nullopt;
        }
        const berval* value = values.get()[0];
        std::string text(value->bv_val, value->bv_len);
        if (!usable_directory_value(text)) {
            log::warning("LDAP server " + std::to_string(server.id) + ": ignoring a value of " +
                         attribute + " that is empty, longer than " +
                         std::to_string(kMaxDirectoryValue) +
                         " bytes, not UTF-8 or has control characters");
            return std::nullopt;
        }
        return text;
    }

    static inline std::atomic<long> next_instance{1};
    LdapOptions options_;
    long instance_ = next_instance++;
};

}  // namespace

std::unique_ptr<Directory> make_ldap_directory(const LdapOptions& options) {
    return std::make_unique<LdapDirectory>(options);
}

}  // namespace automx2
