// SQLite's data_version as the cache's change token: every commit by any other
// connection shows at once, in every thread.
#include <sqlite3.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>
#include <thread>

#include "backends/sqlite_change_token.h"

using namespace automx2;
namespace fs = std::filesystem;

namespace {

class TempFile {
  public:
    TempFile()
        : path_(fs::temp_directory_path() / ("automx2-token-" + std::to_string(::getpid()) + "-" +
                                             std::to_string(++count_) + ".sqlite")) {}
    ~TempFile() {
        std::error_code ignored;
        fs::remove(path_, ignored);
    }
    std::string path() const { return path_.string(); }

  private:
    static inline int count_ = 0;
    fs::path path_;
};

void exec(const std::string& path, const char* sql) {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    char* error = nullptr;
    const int rc = sqlite3_exec(db, sql, nullptr, nullptr, &error);
    sqlite3_free(error);
    sqlite3_close(db);
    REQUIRE(rc == SQLITE_OK);
}

}  // namespace

TEST_CASE("SQLite change token: steady without writes, new after every commit") {
    TempFile file;
    exec(file.path(), "CREATE TABLE t (x INTEGER)");
    SqliteChangeToken token(file.path(), std::chrono::milliseconds(1000));
    auto first = token.current();
    REQUIRE(first);
    CHECK(token.current() == first);
    CHECK(token.current() == first);

    exec(file.path(), "INSERT INTO t VALUES (1)");
    auto second = token.current();
    REQUIRE(second);
    CHECK(second != first);
    CHECK(token.current() == second);

    exec(file.path(), "UPDATE t SET x = 2");
    CHECK(token.current() != second);
}

TEST_CASE("SQLite change token: each thread reads its own, each sees the change") {
    TempFile file;
    exec(file.path(), "CREATE TABLE t (x INTEGER)");
    SqliteChangeToken token(file.path(), std::chrono::milliseconds(1000));
    auto here = token.current();
    bool changed_there = false;
    std::thread([&] {
        auto before = token.current();
        exec(file.path(), "INSERT INTO t VALUES (1)");
        changed_there = before && token.current() != before;
    }).join();
    CHECK(changed_there);
    CHECK(token.current() != here);
}

TEST_CASE("SQLite change token: WAL mode, and a round trip through it, show too") {
    TempFile file;
    exec(file.path(), "CREATE TABLE t (x INTEGER)");
    SqliteChangeToken token(file.path(), std::chrono::milliseconds(1000));
    auto rollback = token.current();
    REQUIRE(rollback);

    // A thread that reads nothing while the file goes to WAL, changes and comes back.
    exec(file.path(), "PRAGMA journal_mode = WAL; INSERT INTO t VALUES (1);");
    exec(file.path(), "INSERT INTO t VALUES (2); PRAGMA journal_mode = DELETE;");
    auto back = token.current();
    REQUIRE(back);
    CHECK(back != rollback);

    exec(file.path(), "PRAGMA journal_mode = WAL");
    auto wal = token.current();
    REQUIRE(wal);
    CHECK(wal != back);
    CHECK(token.current() == wal);
    // The writer keeps its connection (and the WAL) open while the token is read.
    sqlite3* writer = nullptr;
    REQUIRE(sqlite3_open(file.path().c_str(), &writer) == SQLITE_OK);
    REQUIRE(sqlite3_exec(writer, "INSERT INTO t VALUES (3)", nullptr, nullptr, nullptr) ==
            SQLITE_OK);
    auto after = token.current();
    CHECK(after != wal);
    CHECK(token.current() == after);
    REQUIRE(sqlite3_exec(writer, "UPDATE t SET x = 4", nullptr, nullptr, nullptr) == SQLITE_OK);
    CHECK(token.current() != after);
    sqlite3_close(writer);
}

TEST_CASE("SQLite change token: a file that cannot be read gives no token") {
    SqliteChangeToken token("/nonexistent-dir/automx2.sqlite", std::chrono::milliseconds(10));
    CHECK_FALSE(token.current());
}
