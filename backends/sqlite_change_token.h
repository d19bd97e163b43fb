// A change token for the response cache (issue 14): what SQLite itself checks before
// it trusts its page cache.
//
// In rollback-journal mode that is the file change counter and size in the header
// (file format §1.3, bytes 24-31), written by every commit before it completes and
// read here with one pread(2): PRAGMA data_version derives from the same bytes, but
// through a read transaction whose locking serialises all threads on SQLite's
// per-file mutex (20 µs against 1.4 µs per request, bench/). A file in WAL mode
// (header bytes 18-19 = 2) does not update the counter: there PRAGMA data_version
// is read. It changes when another connection — in this process or any other —
// commits, never for the connection's own commits, so each thread reads it on a
// connection of its own that never writes; two connections' values are never
// compared. Entering or leaving WAL mode is itself a rollback-mode commit.
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
    ~SqliteChangeToken();
    SqliteChangeToken(const SqliteChangeToken&) = delete;
    SqliteChangeToken& operator=(const SqliteChangeToken&) = delete;

    // The calling thread's token: equal to its previous value exactly when no other
    // connection committed in between. nullopt when it cannot be read (busy, file
    // gone): the caller then must not use cached answers.
    std::optional<std::uint64_t> current() const;

  private:
    std::optional<std::uint64_t> wal_token() const;

    std::string filename_;
    int fd_ = -1;  // the file itself, for its header; -1: could not be opened
    std::chrono::milliseconds busy_timeout_;
    std::uint64_t id_;  // finds this token's per-thread connection
};

}  // namespace automx2
