// The automx2 schema (SPEC §2) per dialect: creation of missing tables and the in-place
// upgrade of older automx2 databases (no server.prio, no DAV tables).
#pragma once

#include <soci/soci.h>

#include <array>
#include <string_view>

#include "core/db_uri.h"

namespace automx2 {

// Every automx2 table, parents before children (creation order; delete in reverse).
inline constexpr std::array<std::string_view, 7> kAutomx2Tables = {
    "provider", "ldapserver", "domain", "server", "server_domain", "davserver", "davserver_domain"};

// Creates what is missing and upgrades in place, in one transaction where the dialect
// allows it; logs each change made. Idempotent; takes no write lock when nothing is
// missing. Throws soci::soci_error (callers translate), ConfigError for a dialect
// whose schema is not built in.
void ensure_schema(soci::session& session, Dialect dialect);

// The same changes, inside a transaction the caller already holds (initialise, purge).
void apply_schema_changes(soci::session& session, Dialect dialect);

// True when every automx2 table exists.
bool schema_present(soci::session& session, Dialect dialect);

}  // namespace automx2
