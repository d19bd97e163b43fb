// The one place that writes client library connection strings: SOCI's for SQLite and
// MySQL/MariaDB, libpq's conninfo (keyword=value, or its URI form) for PostgreSQL.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "core/db_uri.h"

namespace automx2 {

// The connection string of `target`; with `timeout`, every network wait is bounded by it
// (SPEC §11) unless a db_uri parameter of the same name says otherwise. Throws
// ConfigError for an SQLite path the SOCI backend cannot carry.
std::string connection_string(const DbTarget& target,
                              std::optional<std::chrono::milliseconds> timeout = std::nullopt);

// `timeout` in whole seconds, rounded up, at least one (the unit of most client options).
long long whole_seconds(std::chrono::milliseconds timeout);

}  // namespace automx2
