// SQLAlchemy database URLs (automx2's `db_uri`) translated to SOCI (SPEC §1).
#pragma once

#include <string>
#include <string_view>

namespace automx2 {

enum class Dialect { sqlite, mysql, postgresql };

struct DbTarget {
    Dialect dialect = Dialect::sqlite;
    // SOCI connection string for the backend named by `dialect`.
    std::string connect_string;
    // The URL with the password masked, for log lines and --check-config.
    std::string display;
    // sqlite:///:memory: — one database for the whole process.
    bool in_memory = false;
};

// Throws ConfigError naming the scheme (and the accepted ones) or the malformed part.
// User and password are percent-decoded. Examples:
//   sqlite:///:memory:                       → in-memory
//   sqlite:///relative/path.db               → db=relative/path.db
//   sqlite:////var/lib/automx2/db.sqlite     → db=/var/lib/automx2/db.sqlite
//   mysql+pymysql://u:p@host:3306/db?charset=utf8mb4
//   postgresql://u:p@host/db,  postgres://…,  postgresql+psycopg2://…
// A `?unix_socket=` (mysql) or `?host=/run/postgresql` (postgresql) query names a socket.
DbTarget parse_db_uri(std::string_view uri);

const char* dialect_name(Dialect dialect);

}  // namespace automx2
