#include "core/db_uri.h"

#include <charconv>
#include <optional>
#include <utility>
#include <vector>

#include "core/errors.h"

namespace automx2 {

namespace {

constexpr std::size_t max_uri_length = 4096;

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

// Shown in messages only after the password has been cut away.
std::string printable(std::string_view text) {
    std::string out;
    for (char c : text.substr(0, 100)) {
        const auto u = static_cast<unsigned char>(c);
        out += (u < 0x20 || u == 0x7f) ? '?' : c;
    }
    if (text.size() > 100) {
        out += "...";
    }
    return out;
}

[[noreturn]] void fail(const std::string& problem) {
    throw ConfigError("db_uri: " + problem);
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

// Python's urllib.parse.unquote, as SQLAlchemy applies it: %XX decoded, an invalid
// sequence kept as it is. A NUL cannot travel through the C client libraries.
std::string percent_decode(std::string_view text, const char* what) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 &&
            hex_value(text[i + 2]) >= 0) {
            out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
            i += 2;
        } else {
            out += text[i];
        }
    }
    if (out.find('\0') != std::string::npos) {
        fail(std::string("the ") + what + " contains a NUL character (%00)");
    }
    return out;
}

// application/x-www-form-urlencoded: '+' is a space there.
std::string query_decode(std::string_view text, const char* what) {
    std::string plus_free(text);
    for (char& c : plus_free) {
        if (c == '+') {
            c = ' ';
        }
    }
    return percent_decode(plus_free, what);
}

struct UrlParts {
    std::string scheme;
    std::optional<std::string> user;
    std::optional<std::string> password;
    std::string host;
    std::optional<unsigned> port;
    std::optional<std::string> database;
    std::vector<std::pair<std::string, std::string>> query;
    std::string display;
};

// The grammar of SQLAlchemy's URL pattern (sqlalchemy.engine.url._parse_url):
//   name://[user[:password]@][host|[ipv6]][:port][/database][?query]
// where the user name cannot contain ':' or '/' and the password cannot contain '@'
// (but may contain '/', '?', ':' — so the authority does not end at the first '/').
UrlParts split_url(std::string_view uri) {
    UrlParts parts;
    const auto sep = uri.find("://");
    if (sep == std::string_view::npos || sep == 0) {
        fail(
            "not a database URL: no 'scheme://' (expected e.g. sqlite:////var/lib/automx2/"
            "db.sqlite or mysql://user:password@host/database)");
    }
    for (char c : uri.substr(0, sep)) {
        // Anything else is not echoed: "://" may come late in a malformed URL, after a
        // password.
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '+' || c == '_' || c == '-' || c == '.';
        if (!ok) {
            fail(
                "not a database URL: invalid scheme (expected e.g. sqlite:////var/lib/automx2/"
                "db.sqlite or mysql://user:password@host/database)");
        }
        parts.scheme += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    }
    std::string_view rest = uri.substr(sep + 3);
    const std::size_t rest_offset = sep + 3;

    parts.display = std::string(uri);
    const std::size_t name_end = rest.find_first_of(":/");
    const std::string_view name_zone = rest.substr(0, name_end);
    if (name_end != std::string_view::npos && rest[name_end] == ':' &&
        rest.find('@', name_end + 1) != std::string_view::npos) {
        const std::size_t at = rest.find('@', name_end + 1);
        parts.user = percent_decode(rest.substr(0, name_end), "user name");
        parts.password = percent_decode(rest.substr(name_end + 1, at - name_end - 1), "password");
        parts.display = std::string(uri.substr(0, rest_offset + name_end + 1)) + "***" +
                        std::string(uri.substr(rest_offset + at));
        rest.remove_prefix(at + 1);
    } else if (const auto at = name_zone.rfind('@'); at != std::string_view::npos) {
        parts.user = percent_decode(rest.substr(0, at), "user name");
        rest.remove_prefix(at + 1);
    }

    // Host: a bracketed IPv6 literal or anything up to ':', '/' or '?'.
    std::string_view host;
    if (!rest.empty() && rest.front() == '[') {
        const auto close = rest.find(']');
        const auto stop = rest.find_first_of("/?");
        if (close == std::string_view::npos || (stop != std::string_view::npos && stop < close) ||
            close == 1) {
            fail("malformed IPv6 host (expected [address])");
        }
        host = rest.substr(1, close - 1);
        rest.remove_prefix(close + 1);
    } else {
        const auto stop = rest.find_first_of(":/?");
        host = rest.substr(0, stop);
        rest.remove_prefix(stop == std::string_view::npos ? rest.size() : stop);
    }
    if (host.find('@') != std::string_view::npos) {
        // Not echoed: it would hold the tail of a password that contains a raw '@'.
        fail("the host part contains '@' (write an '@' inside the user name or password as %40)");
    }
    parts.host = std::string(host);

    if (!rest.empty() && rest.front() == ':') {
        const auto stop = rest.find_first_of("/?");
        const std::string_view digits =
            rest.substr(1, stop == std::string_view::npos ? std::string_view::npos : stop - 1);
        if (!digits.empty()) {
            unsigned port = 0;
            const auto [end, ec] =
                std::from_chars(digits.data(), digits.data() + digits.size(), port);
            if (ec != std::errc{} || end != digits.data() + digits.size() || port == 0 ||
                port > 65535) {
                // Only a number is echoed: text here may be a password written without '@'.
                const bool numeric =
                    digits.find_first_not_of("0123456789") == std::string_view::npos;
                fail(numeric ? "invalid port '" + printable(digits) + "' (expected 1..65535)"
                             : std::string("invalid port: not a number (expected 1..65535)"));
            }
            parts.port = port;
        }
        rest.remove_prefix(stop == std::string_view::npos ? rest.size() : stop);
    }
    if (!rest.empty() && rest.front() != '/' && rest.front() != '?') {
        fail("malformed host: unexpected text after ']' (expected [address]:port/database)");
    }
    if (!rest.empty() && rest.front() == '/') {
        const auto q = rest.find('?');
        parts.database = std::string(rest.substr(1, q == std::string_view::npos ? q : q - 1));
        rest.remove_prefix(q == std::string_view::npos ? rest.size() : q);
    }
    if (!rest.empty() && rest.front() == '?') {
        // Rebuilt for display from the raw items, a password parameter masked.
        parts.display.resize(parts.display.size() - rest.size());
        char joiner = '?';
        std::string_view query = rest.substr(1);
        while (!query.empty()) {
            const auto amp = query.find('&');
            const std::string_view item = query.substr(0, amp);
            query.remove_prefix(amp == std::string_view::npos ? query.size() : amp + 1);
            if (item.empty()) {
                continue;
            }
            const auto eq = item.find('=');
            std::string key = query_decode(item.substr(0, eq), "query");
            if (eq == std::string_view::npos) {
                fail("query parameter '" + printable(key) + "' has no value");
            }
            const bool secret = key == "password" || key == "pass" || key == "passwd";
            parts.display += joiner;
            parts.display += secret ? std::string(item.substr(0, eq)) + "=***" : std::string(item);
            joiner = '&';
            parts.query.emplace_back(std::move(key),
                                     query_decode(item.substr(eq + 1), "query parameter"));
        }
    }
    return parts;
}

// SOCI's sqlite3 backend reads `key=value` pairs separated by single spaces; a value with
// spaces is written in double quotes (there is no escape for a quote inside).
std::string sqlite_value(const std::string& path) {
    if (path.find('"') != std::string::npos) {
        fail("the SQLite path must not contain a double quote");
    }
    if (path.find(' ') == std::string::npos) {
        return path;
    }
    if (path.front() == ' ') {
        fail("the SQLite path must not begin with a space");
    }
    return '"' + path + '"';
}

bool needs_quotes(const std::string& value) {
    if (value.empty()) {
        return true;
    }
    for (char c : value) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u == 0x7f || c == '\'' || c == '\\') {
            return true;
        }
    }
    return false;
}

// Both SOCI's mysql parser (soci/src/backends/mysql/session.cpp, param_value) and libpq's
// conninfo parser take single-quoted values with backslash escaping the next character.
std::string quoted(const std::string& value) {
    if (!needs_quotes(value)) {
        return value;
    }
    std::string out = "'";
    for (char c : value) {
        if (c == '\'' || c == '\\') {
            out += '\\';
        }
        out += c;
    }
    out += '\'';
    return out;
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

std::string join_params(const Params& params) {
    std::string out;
    for (const auto& [key, value] : params) {
        if (!out.empty()) {
            out += ' ';
        }
        out += key;
        out += '=';
        out += quoted(value);
    }
    return out;
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

bool has_space(const std::string& value) {
    for (char c : value) {
        if (c == ' ' || (c >= '\t' && c <= '\r')) {
            return true;
        }
    }
    return false;
}

// RFC 3986 percent-encoding of everything but the unreserved characters.
std::string percent_encode(const std::string& value) {
    static const char hex[] = "0123456789ABCDEF";
    std::string out;
    for (char c : value) {
        const auto u = static_cast<unsigned char>(c);
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~') {
            out += c;
        } else {
            out += '%';
            out += hex[u >> 4];
            out += hex[u & 0x0f];
        }
    }
    return out;
}

// libpq's connection URI: postgresql:///DBNAME?key=value&… — every parameter, the host
// included, as a query parameter, so that nothing needs the authority's syntax.
std::string libpq_uri(const Params& params) {
    std::string dbname;
    std::string query;
    for (const auto& [key, value] : params) {
        if (key == "dbname") {
            dbname = value;
            continue;
        }
        query += query.empty() ? '?' : '&';
        query += key;
        query += '=';
        query += percent_encode(value);
    }
    return "postgresql:///" + percent_encode(dbname) + query;
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
        target.connect_string = "db=:memory:";
        return;
    }
    target.connect_string = "db=" + sqlite_value(path);
}

void require_database(const UrlParts& url) {
    if (!url.database || url.database->empty()) {
        fail("missing database name (expected " + url.scheme + "://user:password@host/database)");
    }
    if (url.database->find('/') != std::string::npos) {
        fail("invalid database name '" + printable(*url.database) + "'");
    }
}

void translate_mysql(const UrlParts& url, DbTarget& target) {
    require_database(url);
    Params params;
    params.emplace_back("db", *url.database);
    if (url.user) {
        params.emplace_back("user", *url.user);
    }
    if (url.password) {
        params.emplace_back("password", *url.password);
    }
    if (!url.host.empty()) {
        params.emplace_back("host", url.host);
    }
    if (url.port) {
        params.emplace_back("port", std::to_string(*url.port));
    }
    params.emplace_back("charset", "utf8mb4");
    // URL parameter → SOCI mysql connection-string keyword.
    static const std::pair<std::string_view, std::string_view> known[] = {
        {"charset", "charset"},  {"unix_socket", "unix_socket"}, {"ssl_ca", "sslca"},
        {"ssl_cert", "sslcert"}, {"ssl_key", "sslkey"},
    };
    for (const auto& [key, value] : url.query) {
        bool found = false;
        for (const auto& [from, to] : known) {
            if (key == from) {
                set_param(params, std::string(to), value);
                found = true;
            }
        }
        if (!found) {
            fail("unsupported query parameter '" + printable(key) +
                 "' for MySQL/MariaDB (supported: charset, unix_socket, ssl_ca, ssl_cert, "
                 "ssl_key)");
        }
    }
    target.connect_string = join_params(params);
}

void translate_postgresql(const UrlParts& url, DbTarget& target) {
    require_database(url);
    Params params;
    params.emplace_back("dbname", *url.database);
    if (url.user) {
        params.emplace_back("user", *url.user);
    }
    if (url.password) {
        params.emplace_back("password", *url.password);
    }
    if (!url.host.empty()) {
        params.emplace_back("host", url.host);
    }
    if (url.port) {
        params.emplace_back("port", std::to_string(*url.port));
    }
    // psycopg2 hands URL query parameters to libpq as conninfo keywords (host=/run/postgresql
    // for a socket directory, sslmode=…); libpq rejects unknown ones when connecting.
    for (const auto& [key, value] : url.query) {
        if (!is_keyword(key)) {
            fail("invalid query parameter '" + printable(key) + "' for PostgreSQL");
        }
        set_param(params, key, value);
    }
    // SOCI 4.0's postgresql backend cuts its connection string at spaces before libpq sees
    // it, so a quoted value with white space does not survive. libpq's URI form carries
    // every value percent-encoded and contains no space at all.
    for (const auto& [key, value] : params) {
        if (has_space(value)) {
            target.connect_string = libpq_uri(params);
            return;
        }
    }
    target.connect_string = join_params(params);
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
    const UrlParts url = split_url(uri);
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

// The SOCI backend names, so that the result can be handed to soci::session directly.
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
