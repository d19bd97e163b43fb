#include "backends/connection_string.h"

#include <algorithm>
#include <string_view>
#include <utility>
#include <vector>

#include "core/errors.h"
#include "core/http.h"

namespace automx2 {
namespace {

using Params = std::vector<std::pair<std::string, std::string>>;

bool has(const Params& params, std::string_view key) {
    return std::any_of(params.begin(), params.end(), [&](const auto& p) { return p.first == key; });
}

void add_default(Params& params, std::string key, std::string value) {
    if (!has(params, key)) {
        params.emplace_back(std::move(key), std::move(value));
    }
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

std::string keyword_string(const Params& params) {
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

bool has_space(const std::string& value) {
    return std::any_of(value.begin(), value.end(),
                       [](char c) { return c == ' ' || (c >= '\t' && c <= '\r'); });
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

// SOCI's sqlite3 backend reads `key=value` pairs separated by single spaces; a value with
// spaces is written in double quotes (there is no escape for a quote inside).
std::string sqlite_string(const DbTarget& target) {
    const std::string& path = target.database;
    if (target.in_memory || path.empty()) {
        return "db=:memory:";
    }
    if (path.find('"') != std::string::npos || path.front() == ' ') {
        throw ConfigError(
            "db_uri: the SQLite path must not contain a double quote or begin "
            "with a space");
    }
    return "db=" + (path.find(' ') == std::string::npos ? path : '"' + path + '"');
}

// Both server dialects name them the same; the values are quoted when rendered.
void add_credentials(Params& params, const DbTarget& target) {
    if (target.user) {
        params.emplace_back("user", *target.user);
    }
    if (target.password) {
        params.emplace_back("password", *target.password);
    }
}

Params mysql_params(const DbTarget& target, std::optional<std::chrono::milliseconds> timeout) {
    Params params;
    params.emplace_back("db", target.database);
    add_credentials(params, target);
    if (!target.hosts.empty()) {  // libmariadb connects to one address
        params.emplace_back("host", target.hosts.front().name);
    }
    if (auto port = target.hosts.empty() ? std::nullopt : target.hosts.front().port; port) {
        params.emplace_back("port", std::to_string(*port));
    } else if (target.port) {
        params.emplace_back("port", std::to_string(*target.port));
    }
    params.emplace_back("charset", target.parameter("charset").value_or("utf8mb4"));
    if (target.socket) {
        params.emplace_back("unix_socket", *target.socket);
    }
    // URL parameter → SOCI mysql keyword.
    for (const auto& [key, value] : target.parameters) {
        if (key == "ssl_ca" || key == "ssl_cert" || key == "ssl_key") {
            params.emplace_back("ssl" + key.substr(4), value);
        }
    }
    if (timeout) {
        // Client-side socket timeouts of libmariadb (MYSQL_OPT_*_TIMEOUT).
        const std::string seconds = std::to_string(whole_seconds(*timeout));
        params.emplace_back("connect_timeout", seconds);
        params.emplace_back("read_timeout", seconds);
        params.emplace_back("write_timeout", seconds);
    }
    return params;
}

// libpq's multi-host form: host=h1,h2 with port=p1,p2 (one port for all, or one each).
void add_postgresql_hosts(Params& params, const DbTarget& target) {
    std::vector<DbHost> hosts = target.hosts;
    if (target.socket) {
        hosts.push_back(DbHost{*target.socket, std::nullopt});
    }
    std::string names;
    for (const auto& host : hosts) {
        names += (names.empty() ? "" : ",") + host.name;
    }
    if (!names.empty()) {
        params.emplace_back("host", names);
    }
    const bool own_ports =
        std::any_of(hosts.begin(), hosts.end(), [](const DbHost& h) { return h.port.has_value(); });
    if (!own_ports) {
        if (target.port) {
            params.emplace_back("port", std::to_string(*target.port));
        }
        return;
    }
    std::string ports;
    for (std::size_t i = 0; i < hosts.size(); ++i) {
        const auto port = hosts[i].port ? hosts[i].port : target.port;
        ports += (i == 0 ? "" : ",") + (port ? std::to_string(*port) : std::string());
    }
    params.emplace_back("port", ports);
}

Params postgresql_params(const DbTarget& target, std::optional<std::chrono::milliseconds> timeout) {
    Params params;
    params.emplace_back("dbname", target.database);
    add_credentials(params, target);
    add_postgresql_hosts(params, target);
    params.insert(params.end(), target.parameters.begin(), target.parameters.end());
    if (timeout) {
        // libpq ignores a connect_timeout below 2 s. Statements are bounded by
        // statement_timeout (set per session) and the socket watchdog; a peer that vanished
        // by TCP keepalive and tcp_user_timeout (unacknowledged data).
        const long long seconds = whole_seconds(*timeout);
        add_default(params, "connect_timeout", std::to_string(std::max<long long>(seconds, 2)));
        add_default(params, "keepalives", "1");
        add_default(params, "keepalives_idle", "30");
        add_default(params, "keepalives_interval", std::to_string(seconds));
        add_default(params, "keepalives_count", "2");
        add_default(params, "tcp_user_timeout",
                    std::to_string(std::max<long long>(timeout->count(), 1)));
    }
    return params;
}

}  // namespace

bool separate_writer(const DbTarget& target) {
    return target.dialect == Dialect::postgresql &&
           target.hosts.size() + (target.socket ? 1 : 0) > 1;
}

DbTarget writer_target(const DbTarget& target) {
    DbTarget writer = target;
    if (writer.dialect != Dialect::postgresql) {
        return writer;
    }
    auto& params = writer.parameters;
    std::erase_if(params, [](const auto& p) { return p.first == "target_session_attrs"; });
    params.emplace_back("target_session_attrs", "read-write");
    return writer;
}

long long whole_seconds(std::chrono::milliseconds timeout) {
    const auto ms = std::max<long long>(timeout.count(), 1);
    return (ms + 999) / 1000;
}

std::string connection_string(const DbTarget& target,
                              std::optional<std::chrono::milliseconds> timeout) {
    switch (target.dialect) {
        case Dialect::sqlite:
            // SOCI's SQLite busy timeout.
            return sqlite_string(target) +
                   (timeout ? " timeout=" + std::to_string(whole_seconds(*timeout)) : "");
        case Dialect::mysql:
            return keyword_string(mysql_params(target, timeout));
        case Dialect::postgresql: {
            const Params params = postgresql_params(target, timeout);
            // SOCI 4.0's postgresql backend cuts its connection string at spaces before
            // libpq sees it, so a quoted value with white space does not survive. libpq's
            // URI form carries every value percent-encoded and contains no space at all.
            const bool spaces = std::any_of(params.begin(), params.end(),
                                            [](const auto& p) { return has_space(p.second); });
            return spaces ? libpq_uri(params) : keyword_string(params);
        }
    }
    return {};
}

}  // namespace automx2
