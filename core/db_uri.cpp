#include "core/db_uri.h"

#include <optional>
#include <utility>
#include <vector>

#include "core/db_url.h"
#include "core/errors.h"
#include "core/url.h"

namespace automx2 {

namespace {

using db_url::fail;
using db_url::parse_port;
using db_url::printable;
using db_url::UrlParts;

constexpr std::size_t max_uri_length = 4096;
// libpq has no limit of its own; beyond these a db_uri is a mistake, not a fleet.
constexpr std::size_t max_hosts = 32;
constexpr std::size_t max_host_length = 253;  // a DNS name (RFC 1035)

struct Scheme {
    std::string_view name;
    Dialect dialect;
};

// SQLAlchemy dialect[+driver] names; the driver is Python's business, only the dialect
// matters here.
constexpr Scheme schemes[] = {
    {"sqlite", Dialect::sqlite},
    {"sqlite+pysqlite", Dialect::sqlite},
    {"mysql", Dialect::mysql},
    {"mysql+pymysql", Dialect::mysql},
    {"mysql+mysqldb", Dialect::mysql},
    {"mysql+mysqlconnector", Dialect::mysql},
    {"mysql+mariadbconnector", Dialect::mysql},
    {"mariadb", Dialect::mysql},
    {"mariadb+pymysql", Dialect::mysql},
    {"mariadb+mysqldb", Dialect::mysql},
    {"mariadb+mariadbconnector", Dialect::mysql},
    {"postgresql", Dialect::postgresql},
    {"postgresql+psycopg2", Dialect::postgresql},
    {"postgresql+psycopg", Dialect::postgresql},
    {"postgresql+pg8000", Dialect::postgresql},
    {"postgres", Dialect::postgresql},
};

std::string accepted_schemes() {
    std::string list;
    for (const auto& s : schemes) {
        if (!list.empty()) {
            list += ", ";
        }
        list += s.name;
    }
    return list;
}

// Limits of what the SQLite backend can pass on (it cannot quote a double quote); refused
// here so that the configuration, not the first connection, reports them.
void check_sqlite_path(const std::string& path) {
    if (path.find('"') != std::string::npos) {
        fail("the SQLite path must not contain a double quote");
    }
    if (path.front() == ' ') {
        fail("the SQLite path must not begin with a space");
    }
}

using Params = std::vector<std::pair<std::string, std::string>>;

void set_param(Params& params, const std::string& key, std::string value) {
    for (auto& [k, v] : params) {
        if (k == key) {
            v = std::move(value);
            return;
        }
    }
    params.emplace_back(key, std::move(value));
}

bool is_keyword(const std::string& key) {
    if (key.empty() || key.size() > 64) {
        return false;
    }
    for (char c : key) {
        if (!((c >= 'a' && c <= 'z') || c == '_')) {
            return false;
        }
    }
    return true;
}

// One entry of PostgreSQL's `?host=`: name, name:port, [v6]:port; a bare IPv6 address
// (more than one ':') has no port.
DbHost parse_host_item(std::string_view item) {
    if (item.empty()) {
        fail("empty host in ?host= (expected host or host:port)");
    }
    const auto colon = item.find(':');
    if (item.front() != '[' && colon != std::string_view::npos &&
        item.find(':', colon + 1) != std::string_view::npos) {
        return DbHost{std::string(item), std::nullopt};
    }
    url::HostError error = url::HostError::none;
    const auto host_port = url::split_host_port(item, &error);
    if (!host_port) {
        fail(error == url::HostError::text_after_ip_literal
                 ? "malformed host: unexpected text after ']' (expected [address]:port)"
                 : "malformed IPv6 host (expected [address])");
    }
    if (host_port->host.empty()) {
        fail("empty host in ?host= (expected host or host:port)");
    }
    if (host_port->host.size() > max_host_length) {
        fail("a host in ?host= is longer than " + std::to_string(max_host_length) + " characters");
    }
    DbHost host{std::string(host_port->host), std::nullopt};
    if (host_port->port_text) {
        host.port = parse_port(*host_port->port_text);
    }
    return host;
}

void translate_sqlite(const UrlParts& url, DbTarget& target) {
    if (url.user || !url.host.empty() || url.port) {
        fail(
            "an SQLite URL has no user, host or port (expected sqlite:///relative/path.db or "
            "sqlite:////absolute/path.db)");
    }
    if (!url.query.empty()) {
        fail("query parameters are not supported for SQLite");
    }
    const std::string path = url.database.value_or("");
    if (path.empty() || path == ":memory:") {
        target.in_memory = true;
        return;
    }
    check_sqlite_path(path);
    target.database = path;
}

void require_database(const UrlParts& url) {
    if (!url.database || url.database->empty()) {
        fail("missing database name (expected " + url.scheme + "://user:password@host/database)");
    }
    if (url.database->find('/') != std::string::npos) {
        fail("invalid database name '" + printable(*url.database) + "'");
    }
}

// User, password, host and port of the authority part.
void take_authority(const UrlParts& url, DbTarget& target) {
    target.database = *url.database;
    target.user = url.user;
    target.password = url.password;
    if (!url.host.empty()) {
        target.hosts.push_back(DbHost{url.host, std::nullopt});
    }
    target.port = url.port;
}

void translate_mysql(const UrlParts& url, DbTarget& target) {
    require_database(url);
    take_authority(url, target);
    for (const auto& [key, value] : url.query) {
        if (key == "unix_socket") {
            target.socket = value;
        } else if (key == "charset" || key == "ssl_ca" || key == "ssl_cert" || key == "ssl_key") {
            set_param(target.parameters, key, value);
        } else {
            fail("unsupported query parameter '" + printable(key) +
                 "' for MySQL/MariaDB (supported: charset, unix_socket, ssl_ca, ssl_cert, "
                 "ssl_key)");
        }
    }
}

// psycopg2 hands URL query parameters to libpq as conninfo keywords; those that name
// what the URL's authority names (host, port, user, password, dbname) replace it.
void translate_postgresql(const UrlParts& url, DbTarget& target) {
    require_database(url);
    take_authority(url, target);
    bool query_hosts = false;
    for (const auto& [key, value] : url.query) {
        if (!is_keyword(key)) {
            fail("invalid query parameter '" + printable(key) + "' for PostgreSQL");
        }
        if (key == "host") {
            if (!query_hosts) {
                target.hosts.clear();  // ?host= replaces the authority's host
                query_hosts = true;
            }
            std::string_view list = value;
            for (;;) {
                const auto comma = list.find(',');
                const std::string_view item = list.substr(0, comma);
                if (item.starts_with('/')) {
                    // A socket directory; libpq tries it after the network hosts.
                    if (target.socket && *target.socket != item) {
                        fail("more than one socket directory in ?host=");
                    }
                    target.socket = std::string(item);
                } else {
                    target.hosts.push_back(parse_host_item(item));
                }
                if (target.hosts.size() > max_hosts) {
                    fail("more than " + std::to_string(max_hosts) + " hosts in ?host=");
                }
                if (comma == std::string_view::npos) {
                    break;
                }
                list.remove_prefix(comma + 1);
            }
        } else if (key == "port") {
            target.port = parse_port(value);
        } else if (key == "user") {
            target.user = value;
        } else if (key == "password") {
            target.password = value;
        } else if (key == "dbname") {
            target.database = value;
        } else {
            set_param(target.parameters, key, value);
        }
    }
}

}  // namespace

DbTarget parse_db_uri(std::string_view uri) {
    if (uri.size() > max_uri_length) {
        fail("longer than " + std::to_string(max_uri_length) + " characters");
    }
    for (char c : uri) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f) {
            fail("contains a control character or a line break");
        }
    }
    const UrlParts url = db_url::split_url(uri);
    const Scheme* scheme = nullptr;
    for (const auto& s : schemes) {
        if (s.name == url.scheme) {
            scheme = &s;
        }
    }
    if (scheme == nullptr) {
        fail("unsupported database scheme '" + url.scheme + "' (accepted: " + accepted_schemes() +
             ")");
    }
    DbTarget target;
    target.dialect = scheme->dialect;
    target.display = url.display;
    switch (scheme->dialect) {
        case Dialect::sqlite:
            translate_sqlite(url, target);
            break;
        case Dialect::mysql:
            translate_mysql(url, target);
            break;
        case Dialect::postgresql:
            translate_postgresql(url, target);
            break;
    }
    return target;
}

std::optional<std::string> DbTarget::sqlite_file() const {
    if (dialect != Dialect::sqlite || in_memory) {
        return std::nullopt;
    }
    return database;
}

std::optional<std::string> DbTarget::parameter(std::string_view key) const {
    for (const auto& [k, v] : parameters) {
        if (k == key) {
            return v;
        }
    }
    return std::nullopt;
}

const char* dialect_name(Dialect dialect) {
    switch (dialect) {
        case Dialect::sqlite:
            return "sqlite3";
        case Dialect::mysql:
            return "mysql";
        case Dialect::postgresql:
            return "postgresql";
    }
    return "unknown";
}

}  // namespace automx2
