// The automx2 schema (SPEC §2) per dialect: creation of missing tables and the in-place
// upgrade of older automx2 databases (no server.prio, no DAV tables).
#pragma once

#include <soci/soci.h>

#include "core/db_uri.h"

namespace automx2 {

// Creates what is missing and upgrades in place, in one transaction where the dialect
// allows it; logs each change made. Idempotent.
void ensure_schema(soci::session& session, Dialect dialect);

// True when the automx2 tables exist.
bool schema_present(soci::session& session, Dialect dialect);

}  // namespace automx2
