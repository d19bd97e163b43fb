#include "core/config_keys.h"

#include <algorithm>

namespace automx2 {

namespace {

// Headings of the sample configuration.
constexpr std::string_view automx2_group = {};  // keys automx2 itself reads
constexpr std::string_view fcgi_group = "Keys of automx2-fcgi (automx2 does not know them)";
constexpr std::string_view ldap_group = "LDAP (domains whose ldapserver_id is set)";
constexpr std::string_view signing_group = "Signed Mobileconfig profiles";
constexpr std::string_view dns_group = "DNS records";

constexpr std::string_view unknown_user_words[] = {"nocontent", "domain"};

constexpr ConfigKey keys[] = {
    {.name = "loglevel",
     .type = value::LogLevel{&Config::log_level},
     .default_text = "WARNING",
     .help = "DEBUG, INFO, WARNING, ERROR or CRITICAL (FATAL is CRITICAL, WARN is WARNING); "
             "log lines go to standard error.",
     .sample = "Log level: DEBUG, INFO, WARNING, ERROR, CRITICAL (FATAL is CRITICAL; WARN is "
               "WARNING). Case-insensitive. Lines go to stderr (journald, nginx and Apache "
               "collect them).",
     .group = automx2_group},
    {.name = "db_echo",
     .type = value::Boolean{&Config::db_echo},
     .default_text = "no",
     .help = "Log every SQL statement at DEBUG level (never the bound values).",
     .sample = "Log every SQL statement at DEBUG level: yes/no, true/false, on/off, 1/0.",
     .group = automx2_group},
    {.name = "db_uri",
     .type = value::DatabaseUrl{},
     .default_text = "sqlite:///:memory:",
     .help = "The database as an SQLAlchemy URL: sqlite:////var/lib/automx2/db.sqlite (four "
             "slashes: absolute path), mysql://USER:PASSWORD@HOST[:PORT]/DB or "
             "postgresql://USER:PASSWORD@HOST[:PORT]/DB, user and password percent-encoded; the "
             "in-memory default is lost at exit (for testing only).",
     .sample =
         "The database, as an SQLAlchemy URL (automx2's syntax). The default is one database "
         "for the whole process, lost at exit: for testing only.\n"
         "  sqlite:///relative/path.db             three slashes: relative to the working "
         "directory\n"
         "  sqlite:////var/lib/automx2/db.sqlite   four slashes: absolute path\n"
         "  mysql://USER:PASSWORD@HOST[:PORT]/DATABASE[?charset=utf8mb4]\n"
         "      also mysql+pymysql://, mysql+mysqldb://, mariadb://, mariadb+pymysql://.\n"
         "      Query parameters: charset (default utf8mb4), unix_socket=/run/mysqld/mysqld.sock,\n"
         "      ssl_ca, ssl_cert, ssl_key.\n"
         "  postgresql://USER:PASSWORD@HOST[:PORT]/DATABASE\n"
         "      also postgresql+psycopg2://, postgres://. Query parameters are libpq keywords:\n"
         "      ?host=/run/postgresql names a socket directory, ?sslmode=require, …\n"
         "User name and password are percent-encoded in the URL:\n"
         "  @ is %40, : is %3A, / is %2F, % is %25\n"
         "and each % is doubled in this file (see above). The password never appears in log "
         "lines: they show the URL with \"***\" in its place.\n"
         "Keep this file readable by the service user only when it holds a password.",
     .example = "sqlite:////var/lib/automx2/db.sqlite",
     .group = automx2_group},
    {.name = "proxy_count",
     .type = value::Count{&Config::proxy_count, 0, 32, "a number of proxies"},
     .default_text = "0",
     .help = "Number of reverse proxies whose X-Forwarded-For, X-Forwarded-Proto and "
             "X-Forwarded-Host headers are trusted (0 to 32).",
     .sample = "Number of reverse proxies in front of the service whose X-Forwarded-For, "
               "X-Forwarded-Proto and X-Forwarded-Host headers are trusted (0..32). With N > 0 "
               "the N-th address from the right of X-Forwarded-For is the client; with fewer "
               "addresses than N, the connecting address is. 0: the FastCGI REMOTE_ADDR is the "
               "client (nginx talking FastCGI to this service directly is not a proxy: keep 0 "
               "then).",
     .group = automx2_group},
    {.name = "initdb_allowed_from",
     .type = value::Networks{&Config::initdb_allowed_from},
     .default_text = "127.0.0.1, ::1",
     .help = "Addresses or networks allowed to use /initdb/ (others get 403); empty: nobody.",
     .sample = "Clients allowed to use /initdb/ (GET, POST, DELETE change the database): "
               "addresses or networks (IPv4, IPv6, with an optional /prefix), separated by "
               "commas, spaces or new lines. Empty: nobody. Everyone else gets 403. The client "
               "address is determined with proxy_count (above).",
     .group = fcgi_group},
    {.name = "max_body_size",
     .type = value::Bytes{&Config::max_body_size, 1, std::size_t{16} * 1024 * 1024},
     .default_text = "65536",
     .help = "Largest request body read, in bytes (1 to 16777216); larger requests get 413.",
     .sample = "Largest request body read, in bytes (1..16777216); larger requests get 413. "
               "Autodiscover requests are well below 1 KiB; seed data for POST /initdb/ may be "
               "larger.",
     .group = fcgi_group},
    {.name = "admin_tokens_file",
     .type = value::Text{&Config::admin_tokens_file},
     .default_text = "",
     .help = "File of the management API's tokens (NAME:SHA256-HEX per line, made by "
             "`automx2-fcgi token add NAME`); empty: the API is off (404).",
     .sample = "The management API under /api/v1/ (domains, export, import) is on when this "
               "names a file of token hashes, one NAME:SHA256-HEX per line; `automx2-fcgi "
               "token add NAME` creates a token, prints it once and appends its hash. Empty: "
               "the API is off and its routes answer 404.",
     .example = "/etc/automx2/admin-tokens",
     .group = fcgi_group},
    {.name = "admin_allowed_from",
     .type = value::Networks{&Config::admin_allowed_from},
     .default_text = "127.0.0.1, ::1",
     .help = "Addresses or networks allowed to use the management API (others get 403).",
     .sample = "Clients allowed to use the management API, as for initdb_allowed_from; "
               "everyone else gets 403, with or without a token.",
     .group = fcgi_group},
    {.name = "max_admin_body_size",
     .type = value::Bytes{&Config::max_admin_body_size, 1, std::size_t{1} << 30},
     .default_text = "16777216",
     .help = "Largest management API request body, in bytes (1 to 1073741824); larger: 413.",
     .sample = "Largest request body of the management API (PUT, import), in bytes "
               "(1..1073741824); larger requests get 413.",
     .group = fcgi_group},
    {.name = "db_timeout",
     .type = value::Seconds{&Config::db_timeout},
     .default_text = "2",
     .help = "Bound in seconds on connecting to the database and on each query; a request "
             "waits at most about twice this long before it gets 503.",
     .sample = "Timeout of each database operation, in seconds (0.1..60, fractions allowed). A "
               "request waits at most about twice this long for the database before it gets "
               "503.",
     .group = fcgi_group},
    {.name = "response_cache",
     .type = value::Boolean{&Config::response_cache},
     .default_text = "yes",
     .help = "Keep each worker thread's last Autoconfig, Autodiscover and Mobileconfig answers "
             "and reuse them while the database is unchanged (SQLite: checked on every "
             "request); no: every answer is made anew.",
     .sample = "Keep the rendered Autoconfig, Autodiscover and Mobileconfig answers (per worker "
               "thread, up to 64 or 256 KiB each) and answer a repeated request from them: "
               "yes/no. With SQLite an answer is reused only while the database file is "
               "unchanged (checked on every request), so a change shows at once. MariaDB and "
               "PostgreSQL cannot be checked cheaply: their answers are kept only with "
               "response_cache_ttl > 0. Answers that used an LDAP entry are kept only with "
               "ldap_cache_ttl > 0. A request with a password is never kept.",
     .group = fcgi_group},
    {.name = "response_cache_ttl",
     .type = value::Count{&Config::response_cache_ttl, 0, 86400, "a number of seconds"},
     .default_text = "0",
     .help = "MariaDB and PostgreSQL: seconds an answer may be reused without asking the "
             "database (0 to 86400); 0: never kept, a change shows at once.",
     .sample = "MariaDB and PostgreSQL only: for how many seconds (0..86400) a kept answer may "
               "be reused without asking the database. A change in the database then shows "
               "only after up to this long. 0: answers of these databases are never kept.",
     .group = fcgi_group},
    {.name = "ldap_timeout",
     .type = value::Seconds{&Config::ldap_timeout},
     .default_text = "2",
     .help = "Bound in seconds on each LDAP bind and search.",
     .sample = "Timeout of each LDAP bind or search, in seconds (0.1..60). A silent directory "
               "answers 503 within about one of these (a timed-out call is not repeated).",
     .group = ldap_group},
    {.name = "ldap_network_timeout",
     .type = value::Seconds{&Config::ldap_network_timeout},
     .default_text = "2",
     .help = "Bound in seconds on connecting to an LDAP server (TCP and the TLS handshake).",
     .sample = "Timeout of connecting to an LDAP server (TCP and the TLS handshake), in "
               "seconds (0.1..60). An unreachable directory answers 503 within about one of "
               "these.",
     .group = ldap_group},
    {.name = "ldap_cache_ttl",
     .type = value::Count{&Config::ldap_cache_ttl, 0, 86400, "a number of seconds"},
     .default_text = "0",
     .help = "Seconds an answer that used an LDAP entry may be reused without asking the "
             "directory (0 to 86400); 0: never kept.",
     .sample = "For how many seconds (0..86400) a kept answer that used an LDAP entry (uid, "
               "cn) may be reused without asking the directory again (with response_cache on). "
               "A change in the directory then shows only after up to this long. 0: such "
               "answers are never kept.",
     .group = ldap_group},
    {.name = "ldap_unknown_user",
     .type = value::Choice{&Config::ldap_unknown_user, unknown_user_words},
     .default_text = "nocontent",
     .help = "An address the directory does not know: nocontent answers 204 (as automx2); "
             "domain answers with the domain's settings and the placeholders the client fills "
             "in, so that answers do not reveal who exists.",
     .sample = "What an address the LDAP directory does not know gets. nocontent: 204 No "
               "Content, as automx2 answers (a client can tell who exists). domain: the "
               "domain's settings with the placeholders the client fills in (%EMAILADDRESS% "
               "as the login name), the same for every unknown address, as the autoconfig "
               "draft advises.",
     .group = ldap_group},
    {.name = "ldap_ca_file",
     .type = value::Text{&Config::ldap_ca_file},
     .default_text = "",
     .help = "PEM file of the CAs that sign the LDAP servers' certificates; empty: the "
             "system's CAs.",
     .sample = "CA certificates (PEM file) to verify ldaps:// servers against. Empty: the "
               "system's CAs.",
     .example = "/etc/ssl/certs/my-directory-ca.pem",
     .group = ldap_group},
    {.name = "ldap_tls_verify",
     .type = value::Boolean{&Config::ldap_tls_verify},
     .default_text = "yes",
     .help = "Verify the LDAP servers' certificates; off for testing only (logged as a warning).",
     .sample = "Verify the directory's TLS certificate: yes/no. Turning this off is for testing "
               "only and is logged as a warning at start.",
     .group = ldap_group},
    {.name = "sign_certificate",
     .type = value::Text{&Config::sign_certificate},
     .default_text = "",
     .help = "PEM certificate that signs Mobileconfig profiles, with sign_key; both empty: "
             "profiles are not signed.",
     .sample = "PEM certificate that signs every Mobileconfig profile (DER CMS SignedData; "
               "devices show the profile as verified). Set both sign_certificate and sign_key "
               "(and optionally sign_chain) or none: unsigned. The files are re-read when they "
               "change on disk, so a renewed certificate is used without a restart.",
     .example = "/etc/automx2/signing.crt",
     .group = signing_group},
    {.name = "sign_key",
     .type = value::Text{&Config::sign_key},
     .default_text = "",
     .help = "Unencrypted PEM private key of sign_certificate; a secret: readable by the "
             "service's user only.",
     .sample = "The unencrypted PEM private key of sign_certificate. Keep it readable by the "
               "service user only.",
     .example = "/etc/automx2/signing.key",
     .group = signing_group},
    {.name = "sign_chain",
     .type = value::Text{&Config::sign_chain},
     .default_text = "",
     .help = "PEM file of the intermediate certificates included in signed profiles.",
     .sample = "A PEM file of the intermediate certificates to include in signed profiles "
               "(optional).",
     .example = "/etc/automx2/signing-chain.pem",
     .group = signing_group},
    {.name = "service_host",
     .type = value::HostName{&Config::service_host},
     .default_text = "",
     .help = "The host name clients reach this service at, for the dns command; empty: the "
             "records pointing at it are left out.",
     .sample = "The host name mail clients reach this service at; `automx2-fcgi dns` points "
               "the autoconfig/autodiscover CNAMEs and the _autodiscover._tcp SRV record at it. "
               "Empty: those records are left out.",
     .example = "autoconfig.example.com",
     .group = dns_group},
};

}  // namespace

std::span<const ConfigKey> config_keys() {
    return keys;
}

const ConfigKey* find_config_key(std::string_view name) {
    const auto found = std::find_if(std::begin(keys), std::end(keys),
                                    [&](const auto& k) { return k.name == name; });
    return found == std::end(keys) ? nullptr : found;
}

std::string config_key_names() {
    std::string out;
    for (const auto& key : keys) {
        out += (out.empty() ? "" : ", ") + std::string(key.name);
    }
    return out;
}

std::vector<EffectiveValue> effective_config(const Config& config) {
    std::vector<EffectiveValue> out;
    for (const auto& key : keys) {
        const bool from_file = std::find(config.keys_from_file.begin(), config.keys_from_file.end(),
                                         key.name) != config.keys_from_file.end();
        out.push_back({key.name, show_value(key.type, config), from_file});
    }
    return out;
}

}  // namespace automx2
