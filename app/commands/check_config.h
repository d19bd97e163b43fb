// `automx2-fcgi --check-config`: what an operator runs before (re)starting the service.
#pragma once

#include <iosfwd>

#include "app/command_line.h"

namespace automx2 {

// Exit statuses of check_config (and of the service's own start-up failures).
inline constexpr int kCheckOk = 0;
inline constexpr int kCheckDatabaseError = 1;  // the database cannot be opened or read
inline constexpr int kCheckConfigError = 2;    // the configuration file cannot be used

// Loads the configuration the service would load (line.config_file or the search
// order), opens the database the way the service does on start-up (so missing tables
// are created and old schemas upgraded, as the service would), and writes a report to
// `out`: the file read, the database URL with the password masked, the schema state
// and the row counts of Store::stats(). Problems go to `err`, one line each, prefixed
// "automx2-fcgi: ".
//
// Returns kCheckOk when the service would start and serve with this configuration —
// also for an empty database (with a hint to load data through /initdb/), for the
// built-in defaults without a file and for an in-memory database (each with a
// warning). An SQLite file that does not exist yet is not created (a check run as
// root must not leave a root-owned database behind): its directory is checked and the
// schema reported as "not created yet". Returns kCheckConfigError for an unreadable
// file, an unknown key or a bad value (db_uri included), kCheckDatabaseError when the
// database cannot be opened or read.
int check_config(const CommandLine& line, std::ostream& out, std::ostream& err);

}  // namespace automx2
