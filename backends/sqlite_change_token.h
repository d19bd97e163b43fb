// SQLite's PRAGMA data_version as a change token for the response cache (issue 14).
//
// data_version changes when another connection — in this process or any other —
// commits to the file; it never changes for the connection's own commits. Each
// thread therefore reads it on a connection of its own that never writes: a pooled
// session could have made the change itself, and two connections' values cannot be
// compared. The token is only ever compared within one thread (the cache is per
// thread too).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace automx2 {

class SqliteChangeToken {
  public:
    // `filename`: the database file as SQLite names it (sqlite3_db_filename).
    SqliteChangeToken(std::string filename, std::chrono::milliseconds busy_timeout);

    // The calling thread's token: equal to its previous value exactly when no other
    // connection committed in between. nullopt when it cannot be read (busy, file
    // gone): the caller then must not use cached answers.
    std::optional<std::uint64_t> current() const;

  private:
    std::string filename_;
    std::chrono::milliseconds busy_timeout_;
    std::uint64_t id_;  // finds this token's per-thread connection
};

}  // namespace automx2
