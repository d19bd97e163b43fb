// What differs between the SQL databases, apart from their DDL (backends/schema_*):
// the SOCI backend, the connection string, what each new session is told, how errors
// are classified, how the id of a new row is read, and the socket the watchdog watches.
// soci::session is used here and in the other backends/sql_* units only.
#pragma once

#include <soci/soci.h>

#include <chrono>
#include <string>

#include "backends/sql_retry.h"
#include "core/db_uri.h"

namespace automx2 {

class SqlDialect {
  public:
    virtual ~SqlDialect() = default;

    // The description of `dialect`; ConfigError when its backend is not built in.
    static const SqlDialect& of(Dialect dialect);

    virtual Dialect dialect() const = 0;
    virtual const soci::backend_factory& backend() const = 0;

    // Every wait bounded by `timeout` (backends/connection_string.h).
    std::string connection_string(const DbTarget& target, std::chrono::milliseconds timeout) const;

    // Run once on every new session: pragmas, server-side timeouts.
    virtual void set_up(soci::session& session, const DbTarget& target,
                        std::chrono::milliseconds timeout) const = 0;

    // lost, unavailable or conflict (timeouts are told apart by RetryPolicy::settle).
    virtual Failure classify(const soci::soci_error& error, soci::session& session) const = 0;

    // One round trip: false when the session no longer reaches its server (a write, never
    // repeated itself, checks a reused session this way first).
    bool alive(soci::session& session) const;

    // The id the last INSERT into `table` gave its new row; throws soci::soci_error.
    virtual long last_insert_id(soci::session& session, const std::string& table) const;

    // Rows were inserted into `table` with ids of their own (an import keeping provider
    // ids): the id generator must continue after them.
    virtual void ids_written(soci::session&, const std::string&) const {}

    // The socket to watch while a call waits on a client library without a read timeout
    // of its own (libpq); -1: nothing to watch.
    virtual int watched_socket(soci::session&) const { return -1; }
};

}  // namespace automx2
