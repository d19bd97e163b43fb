// The Store over SOCI: SQLite, MySQL/MariaDB and PostgreSQL share the code. What differs
// lives in one place each: DDL in schema_ddl.cpp, connection strings in
// connection_string.cpp, session set-up and error classification in sql_dialect.cpp,
// retries in sql_retry.h; the lookup is domain_query.cpp, the writes sql_writer.cpp.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>

#include "core/db_uri.h"
#include "core/store.h"

namespace automx2 {

struct SqlStoreOptions {
    // Sessions kept open and reused across requests (one per worker thread is right).
    // An in-memory SQLite database always uses one session shared by all threads.
    std::size_t pool_size = 4;
    bool echo = false;  // log every statement at INFO (automx2's db_echo)
    // Bounds every wait for the database: SQLite's busy timeout; MySQL's connect, read
    // and write timeouts (whole seconds, rounded up); PostgreSQL's connect_timeout (at
    // least 2 s), statement_timeout and tcp_user_timeout.
    std::chrono::milliseconds timeout{2000};
};

// Opens the database and runs ensure_schema() (create tables, upgrade old schemas).
// SQLite: throws BackendUnavailable when the file cannot be opened. MySQL/PostgreSQL: a
// server that cannot be reached is logged, not thrown; the store answers
// BackendUnavailable until a connection succeeds, then ensures the schema. A session
// found broken is dropped and the next call reconnects.
std::unique_ptr<Store> open_sql_store(const DbTarget& target, const SqlStoreOptions& options);

}  // namespace automx2
