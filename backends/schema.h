// The automx2 schema (SPEC §2) per dialect: creation of missing tables and the in-place
// upgrade of older automx2 databases (no server.prio, no DAV tables).
#pragma once

#include <soci/soci.h>

#include <array>
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "core/db_uri.h"

namespace automx2 {

// Every automx2 table, parents before children (creation order; delete in reverse).
// The last three are this service's (SPEC §16), created and upgraded like the DAV tables.
inline constexpr std::array<std::string_view, 10> kAutomx2Tables = {
    "provider",  "ldapserver",       "domain", "server",   "server_domain",
    "davserver", "davserver_domain", "oauth2", "endpoint", "endpoint_domain"};

// Creates what is missing and upgrades in place, in one transaction where the dialect
// allows it (MySQL/MariaDB commit DDL implicitly: there every step is idempotent and
// writers serialise on a named lock, waiting at most `lock_wait`); logs each change
// made. Idempotent; takes no write lock when nothing is missing. Throws
// soci::soci_error (callers translate), ConfigError for a dialect whose schema is not
// built in.
void ensure_schema(soci::session& session, Dialect dialect,
                   std::chrono::seconds lock_wait = std::chrono::seconds(1));

// The same changes, inside a transaction the caller already holds (initialise, purge).
// Where DDL is not transactional, call ensure_schema() first so that no DDL runs (and
// commits) inside the caller's transaction.
void apply_schema_changes(soci::session& session, Dialect dialect);

// False for MySQL/MariaDB, whose DDL commits the open transaction.
bool transactional_ddl(Dialect dialect);

// The WHERE condition matching domain `d.name` to the lower-case bound `:d`,
// case-insensitively and index-backed: lower(d.name) with an expression index (SQLite,
// PostgreSQL); on MySQL/MariaDB the column's own *_ci collation with its UNIQUE index,
// or an (unindexed) lower() when the column uses a binary collation.
std::string domain_match(soci::session& session, Dialect dialect);

// The CREATE TABLE statements of `dialect`, in creation order (for tests and docs).
std::vector<std::string> create_table_statements(Dialect dialect);

// True when every automx2 table exists.
bool schema_present(soci::session& session, Dialect dialect);

}  // namespace automx2
