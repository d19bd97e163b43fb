#include "backends/sql_dialect.h"

#include <libpq-fe.h>
#include <soci/mysql/soci-mysql.h>
#include <soci/postgresql/soci-postgresql.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <algorithm>

#include "backends/connection_string.h"
#include "core/errors.h"

namespace automx2 {
namespace {

// What no backend below recognised itself.
Failure by_category(const soci::soci_error& error) {
    switch (error.get_error_category()) {
        case soci::soci_error::connection_error:
        case soci::soci_error::system_error:
            return Failure::lost;
        case soci::soci_error::constraint_violation:
            return Failure::conflict;
        default:
            return Failure::unavailable;
    }
}

class Sqlite final : public SqlDialect {
  public:
    Dialect dialect() const override { return Dialect::sqlite; }
    const soci::backend_factory& backend() const override { return soci::sqlite3; }

    void set_up(soci::session& session, const DbTarget& target,
                std::chrono::milliseconds) const override {
        session.once << "PRAGMA foreign_keys = ON";
        // One page cache per worker session: 512 KiB each keeps the service small (the
        // kernel caches the file anyway).
        if (!target.in_memory) {
            session.once << "PRAGMA cache_size = -512";
        }
    }

    Failure classify(const soci::soci_error& error, soci::session&) const override {
        const auto* sqlite = dynamic_cast<const soci::sqlite3_soci_error*>(&error);
        if (sqlite == nullptr) {
            return by_category(error);
        }
        switch (sqlite->result() & 0xff) {
            case SQLITE_IOERR:
            case SQLITE_CORRUPT:
            case SQLITE_CANTOPEN:
            case SQLITE_NOTADB:
            case SQLITE_NOMEM:
                return Failure::lost;
            case SQLITE_CONSTRAINT:
                return Failure::conflict;
            default:
                return Failure::unavailable;  // busy (the busy timeout passed) and the rest
        }
    }
};

class Mysql final : public SqlDialect {
  public:
    Dialect dialect() const override { return Dialect::mysql; }
    const soci::backend_factory& backend() const override { return soci::mysql; }

    void set_up(soci::session& session, const DbTarget&,
                std::chrono::milliseconds timeout) const override {
        // Row locks are waited for on the server, not bounded by the socket timeouts
        // until the server answers.
        session.once << "SET SESSION innodb_lock_wait_timeout = " +
                            std::to_string(whole_seconds(timeout));
    }

    // A read timeout is 2013 "lost connection" too: RetryPolicy::settle tells it apart
    // by the time it took.
    Failure classify(const soci::soci_error& error, soci::session&) const override {
        const auto* mysql = dynamic_cast<const soci::mysql_soci_error*>(&error);
        if (mysql == nullptr) {
            return by_category(error);
        }
        const unsigned int code = mysql->err_num_;
        // 2000-2999: the client library's own errors (server gone, lost, cannot connect,
        // timeouts). 1053 server shutdown, 1152/1153/1159-1161 aborted or failed network
        // I/O, 1927 connection killed, 4031 disconnected for inactivity.
        if ((code >= 2000 && code < 3000) || code == 1053 || code == 1152 || code == 1153 ||
            (code >= 1159 && code <= 1161) || code == 1927 || code == 4031) {
            return Failure::lost;
        }
        // 1290 --read-only (a replica), 1792 a read-only transaction.
        if (code == 1290 || code == 1792) {
            return Failure::read_only;
        }
        // Duplicate key, foreign key failures.
        if (code == 1062 || code == 1216 || code == 1217 || code == 1451 || code == 1452) {
            return Failure::conflict;
        }
        return Failure::unavailable;  // lock wait timeout, deadlock, anything else
    }
};

class Postgresql final : public SqlDialect {
  public:
    Dialect dialect() const override { return Dialect::postgresql; }
    const soci::backend_factory& backend() const override { return soci::postgresql; }

    void set_up(soci::session& session, const DbTarget&,
                std::chrono::milliseconds timeout) const override {
        // Set here, not as options='-c …': SOCI 4.0 cuts the connection string at white
        // space.
        session.once << "SET statement_timeout = " +
                            std::to_string(std::max<long long>(timeout.count(), 1));
    }

    // libpq notices a lost server itself (also when the watchdog shut the socket); its
    // own errors carry no SQLSTATE.
    Failure classify(const soci::soci_error& error, soci::session& session) const override {
        const PGconn* conn = connection(session);
        if (conn == nullptr || PQstatus(conn) != CONNECTION_OK) {
            return Failure::lost;
        }
        const auto* pg = dynamic_cast<const soci::postgresql_soci_error*>(&error);
        if (pg == nullptr) {
            return by_category(error);
        }
        const std::string state = pg->sqlstate();
        // 08: connection exception; 57P01-03: the server is shutting down.
        if (state.starts_with("08") || state == "57P01" || state == "57P02" || state == "57P03") {
            return Failure::lost;
        }
        if (state.starts_with("23")) {
            return Failure::conflict;
        }
        if (state == "25006") {  // read_only_sql_transaction: a standby, or demoted since
            return Failure::read_only;
        }
        return Failure::unavailable;  // 57014 statement_timeout and the rest
    }

    // The SERIAL column's sequence, advanced by the INSERT just made.
    long last_insert_id(soci::session& session, const std::string&) const override {
        long long id = 0;
        session << "SELECT lastval()", soci::into(id);
        return static_cast<long>(id);
    }

    // A SERIAL's sequence does not see explicit ids (MariaDB's and SQLite's counters do).
    void ids_written(soci::session& session, const std::string& table) const override {
        long long id = 0;
        session << "SELECT setval(pg_get_serial_sequence('" + table +
                       "', 'id'), (SELECT "
                       "COALESCE(MAX(id), 0) + 1 FROM " +
                       table + "), false)",
            soci::into(id);
    }

    int watched_socket(soci::session& session) const override {
        const PGconn* conn = connection(session);
        return conn != nullptr ? PQsocket(conn) : -1;
    }

  private:
    // SOCI exposes the libpq handle only through its backend class.
    static PGconn* connection(soci::session& session) {
        auto* backend = static_cast<soci::postgresql_session_backend*>(session.get_backend());
        return backend != nullptr ? backend->conn_ : nullptr;
    }
};

}  // namespace

const SqlDialect& SqlDialect::of(Dialect dialect) {
    static const Sqlite sqlite;
    static const Mysql mysql;
    static const Postgresql postgresql;
    switch (dialect) {
        case Dialect::sqlite:
            return sqlite;
        case Dialect::mysql:
            return mysql;
        case Dialect::postgresql:
            return postgresql;
    }
    throw ConfigError(std::string("db_uri: the ") + dialect_name(dialect) +
                      " backend is not built into this binary");
}

std::string SqlDialect::connection_string(const DbTarget& target,
                                          std::chrono::milliseconds timeout) const {
    return automx2::connection_string(target, timeout);
}

bool SqlDialect::alive(soci::session& session) const {
    try {
        session << "SELECT 1";
        return true;
    } catch (const soci::soci_error&) {
        return false;
    }
}

long SqlDialect::last_insert_id(soci::session& session, const std::string& table) const {
    long long id = 0;
    if (!session.get_last_insert_id(table, id)) {
        throw soci::soci_error("cannot read the id of the new " + table + " row");
    }
    return static_cast<long>(id);
}

}  // namespace automx2
