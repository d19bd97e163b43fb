// The automx2 configuration file (SPEC §1): INI, section [automx2]. The keys, their
// types, defaults and documentation are the table of core/config_keys.cpp.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "core/db_uri.h"
#include "core/log.h"
#include "core/net.h"

namespace automx2 {

struct Config {
    // Where the values came from; empty when the built-in defaults are used.
    std::string source;
    // The keys the file set ([automx2] or its [DEFAULT]), as named in the key table.
    std::vector<std::string> keys_from_file;

    // The member initialisers are the built-in defaults: each must equal its key's
    // default_text in core/config_keys.cpp (test_config compares them).
    log::Level log_level = log::Level::warning;
    bool db_echo = false;
    std::string db_uri = "sqlite:///:memory:";
    DbTarget db;  // db_uri, parsed
    unsigned proxy_count = 0;

    // Keys of automx2-fcgi only.
    std::vector<Network> initdb_allowed_from = default_initdb_networks();
    std::size_t max_body_size = 65536;
    // The management API (SPEC §15): off while admin_tokens_file is empty.
    std::string admin_tokens_file;
    std::vector<Network> admin_allowed_from = default_initdb_networks();
    std::size_t max_admin_body_size = std::size_t{16} * 1024 * 1024;
    // Bounds connecting and each query; a request waits at most about twice this.
    std::chrono::milliseconds db_timeout{2000};
    // Rendered answers kept per thread (core/response_cache.h): while the database is
    // unchanged (SQLite), or up to response_cache_ttl seconds (server databases; 0: not
    // kept). Answers that used LDAP: up to ldap_cache_ttl seconds (0: not kept).
    bool response_cache = true;
    unsigned response_cache_ttl = 0;

    // LDAP (SPEC §5): each bind or search, and connecting (TCP and TLS handshake).
    std::chrono::milliseconds ldap_timeout{2000};
    std::chrono::milliseconds ldap_network_timeout{2000};
    std::string ldap_ca_file;     // empty: the system's CAs
    bool ldap_tls_verify = true;  // off only for testing (logged loudly)
    unsigned ldap_cache_ttl = 0;
    // SPEC §16: an address the directory does not know gets 204 (nocontent, automx2's
    // answer) or the domain's settings with the client's placeholders (domain).
    std::string ldap_unknown_user = "nocontent";

    // Signed Mobileconfig profiles (SPEC §12): all three empty → unsigned.
    std::string sign_certificate;  // PEM certificate of the signer
    std::string sign_key;          // PEM private key (a secret: never logged)
    std::string sign_chain;        // PEM intermediates to include

    // The host name clients reach this service at (for `automx2-fcgi dns`).
    std::string service_host;

    // From the environment: PERMIT_CLEARTEXT_PASSWORDS=I_understand_the_risks.
    bool permit_cleartext_passwords = false;
};

// The file search order of SPEC §1: $AUTOMX2_CONF, ~/.automx2.conf,
// /etc/automx2/automx2.conf, /etc/automx2.conf. Returns the first that exists.
std::optional<std::string> find_config_file();

// Reads `path` (or the searched file when `path` is empty; defaults with a warning
// when none exists) and the environment. Throws ConfigError naming file, key and value
// for an unreadable file, a syntax error, an unknown key or a bad value.
Config load_config(const std::string& path = {});

// The built-in defaults, db parsed from db_uri: what a file without keys gives.
Config default_config();

// Parses INI text already read; `source` names it in messages. Used by load_config
// and the unit tests.
Config parse_config(const std::string& text, const std::string& source);

}  // namespace automx2
