// SQLAlchemy database URLs (automx2's `db_uri`, SPEC §1) parsed into a typed target.
// Core knows what the URL says (dialect, hosts, credentials, database, parameters);
// only backends/ turns that into a client library's connection string.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace automx2 {

enum class Dialect { sqlite, mysql, postgresql };

struct DbHost {
    std::string name;              // a host name or an IP address (IPv6 without brackets)
    std::optional<unsigned> port;  // absent: the target's port, else the library default
};

struct DbTarget {
    Dialect dialect = Dialect::sqlite;
    // Network hosts in the order given. Several only for PostgreSQL
    // (`?host=h1:5432&host=h2:5432`, libpq tries them in turn). Empty: the client
    // library's default (its local socket).
    std::vector<DbHost> hosts;
    // The port for hosts that name none (the URL's `:port`, or PostgreSQL's `?port=`).
    std::optional<unsigned> port;
    // MySQL's `?unix_socket=` file, PostgreSQL's `?host=/directory` socket directory.
    std::optional<std::string> socket;
    std::optional<std::string> user;      // percent-decoded
    std::optional<std::string> password;  // percent-decoded; a secret, never logged
    // The database name; for SQLite the file path (empty when in memory).
    std::string database;
    // sqlite:///:memory: — one database for the whole process.
    bool in_memory = false;
    // The remaining query parameters, decoded, in URL order, a repeated key kept once
    // (the last value wins, at the place of its first appearance). MySQL: charset,
    // ssl_ca, ssl_cert, ssl_key. PostgreSQL: the client's keywords (sslmode,
    // target_session_attrs, …), checked when connecting.
    std::vector<std::pair<std::string, std::string>> parameters;
    // The URL with the password masked, for log lines and --check-config.
    std::string display;

    // The database file of an SQLite target; nullopt in memory and for other dialects.
    std::optional<std::string> sqlite_file() const;
    // The value of parameter `key`, if given.
    std::optional<std::string> parameter(std::string_view key) const;
};

// Throws ConfigError naming the scheme (and the accepted ones) or the malformed part.
// User and password are percent-decoded. Examples:
//   sqlite:///:memory:                       → in-memory
//   sqlite:///relative/path.db               → database relative/path.db
//   sqlite:////var/lib/automx2/db.sqlite     → database /var/lib/automx2/db.sqlite
//   mysql+pymysql://u:p@host:3306/db?charset=utf8mb4
//   postgresql://u:p@host/db,  postgres://…,  postgresql+psycopg2://…
//   postgresql://u:p@/db?host=h1:5432&host=h2:5432&target_session_attrs=any
// A `?unix_socket=` (mysql) or `?host=/run/postgresql` (postgresql) query names a socket.
DbTarget parse_db_uri(std::string_view uri);

// "sqlite3", "mysql", "postgresql" (the words --check-config prints).
const char* dialect_name(Dialect dialect);

}  // namespace automx2
