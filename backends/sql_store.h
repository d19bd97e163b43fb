// The Store over SOCI (SQLite now; MySQL/MariaDB and PostgreSQL share the code, with
// dialect differences kept in backends/schema.*).
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
    std::chrono::milliseconds timeout{2000};  // connect/busy timeout
};

// Opens the database and runs ensure_schema() (create tables, upgrade old schemas).
// Throws BackendUnavailable when the database cannot be reached.
std::unique_ptr<Store> open_sql_store(const DbTarget& target, const SqlStoreOptions& options);

}  // namespace automx2
