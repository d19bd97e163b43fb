// The one place that writes client library connection strings: SOCI's for SQLite and
// MySQL/MariaDB, libpq's conninfo (keyword=value, or its URI form) for PostgreSQL.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>

#include "core/db_uri.h"

namespace automx2 {

// The connection string of `target`; with `timeout`, every network wait is bounded by it
// (SPEC §11) unless a db_uri parameter of the same name says otherwise. Throws
// ConfigError for an SQLite path the SOCI backend cannot carry.
std::string connection_string(const DbTarget& target,
                              std::optional<std::chrono::milliseconds> timeout = std::nullopt);

// Whether writes need sessions of their own: PostgreSQL with several hosts, of which
// only the primary takes writes. With one host, reads and writes share the sessions (a
// standby there refuses the write with SQLSTATE 25006: 503).
bool separate_writer(const DbTarget& target);

// At most this many sessions for writes, beside the lookups' (SqlStoreOptions::pool_size).
inline constexpr std::size_t kWriterSessions = 2;

// The target of sessions that write: PostgreSQL's asks libpq for a read-write session
// (target_session_attrs=read-write, whatever db_uri says), so that of several hosts only
// the primary is taken and a lone standby is refused when connecting. Other dialects'
// targets are returned unchanged (their one address is the writer too).
DbTarget writer_target(const DbTarget& target);

// `timeout` in whole seconds, rounded up, at least one (the unit of most client options).
long long whole_seconds(std::chrono::milliseconds timeout);

}  // namespace automx2
