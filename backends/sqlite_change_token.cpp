#include "backends/sqlite_change_token.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <memory>
#include <unordered_map>
#include <utility>

namespace automx2 {
namespace {

struct CloseDb {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct FinalizeStmt {
    void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
};

struct Reader {
    std::unique_ptr<sqlite3, CloseDb> db;
    std::unique_ptr<sqlite3_stmt, FinalizeStmt> statement;
    // Opened anew after a failure: its data_version starts again, so the values of
    // two connections must never meet in one token.
    std::uint64_t generation = 0;
};

std::atomic<std::uint64_t> next_id{1};
std::atomic<std::uint64_t> next_generation{1};

bool open(Reader& reader, const std::string& filename, std::chrono::milliseconds busy_timeout) {
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(filename.c_str(), &raw,
                                   SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
    reader.db.reset(raw);  // owned even when opening failed
    if (rc != SQLITE_OK) {
        return false;
    }
    sqlite3_busy_timeout(raw, static_cast<int>(busy_timeout.count()));
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(raw, "PRAGMA data_version", -1, &statement, nullptr) != SQLITE_OK) {
        sqlite3_finalize(statement);
        return false;
    }
    reader.statement.reset(statement);
    reader.generation = next_generation.fetch_add(1);
    return true;
}

}  // namespace

SqliteChangeToken::SqliteChangeToken(std::string filename, std::chrono::milliseconds busy_timeout)
    : filename_(std::move(filename)),
      fd_(::open(filename_.c_str(), O_RDONLY | O_CLOEXEC)),
      busy_timeout_(busy_timeout),
      id_(next_id.fetch_add(1)) {}

SqliteChangeToken::~SqliteChangeToken() {
    if (fd_ >= 0) {
        ::close(fd_);
    }
}

std::optional<std::uint64_t> SqliteChangeToken::current() const {
    unsigned char header[100];
    if (fd_ < 0 || ::pread(fd_, header, sizeof header, 0) != static_cast<ssize_t>(sizeof header) ||
        std::memcmp(header, "SQLite format 3", 16) != 0) {
        return std::nullopt;
    }
    if (header[18] == 2 || header[19] == 2) {
        return wal_token();
    }
    auto be32 = [&](int at) {
        return (std::uint64_t{header[at]} << 24) | (std::uint64_t{header[at + 1]} << 16) |
               (std::uint64_t{header[at + 2]} << 8) | std::uint64_t{header[at + 3]};
    };
    // Top bit set: never equal to a WAL-mode token (those stay below 2^63).
    return (std::uint64_t{1} << 63) | (be32(24) << 31) | (be32(28) & 0x7fffffff);
}

std::optional<std::uint64_t> SqliteChangeToken::wal_token() const {
    thread_local std::unordered_map<std::uint64_t, Reader> readers;
    Reader& reader = readers[id_];
    if (!reader.statement && !open(reader, filename_, busy_timeout_)) {
        readers.erase(id_);
        return std::nullopt;
    }
    sqlite3_stmt* statement = reader.statement.get();
    const int rc = sqlite3_step(statement);
    std::optional<std::uint64_t> token;
    if (rc == SQLITE_ROW) {
        const auto version = static_cast<std::uint64_t>(sqlite3_column_int64(statement, 0));
        token = (reader.generation << 32) ^ version;
    }
    sqlite3_reset(statement);
    if (!token) {
        readers.erase(id_);  // reopened on the next call
    }
    return token;
}

}  // namespace automx2
