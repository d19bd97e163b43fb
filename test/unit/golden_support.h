// Golden documents (test/golden/, see its README.md): what the builders write for the
// built-in sample data, compared byte for byte. The integration tests compare the
// service's HTTP bodies with the same files.
//
// After an intended change of a document, rewrite the files and review the diff:
//   UPDATE_GOLDEN=1 build/test/test_builders '[golden]' && git diff test/golden/
#pragma once

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <regex>
#include <sstream>
#include <string>

#include "backends/sql_store.h"
#include "core/db_uri.h"
#include "core/directory.h"
#include "core/resolver.h"
#include "core/seed.h"

namespace automx2::test {

// The sample data's provider example.com as the service holds it after GET /initdb/
// (an in-memory SQLite store: ids and order as in a fresh database), optionally with
// the directory entry of test/integration/slapd.py's jane@example.com.
class SampleData {
  public:
    explicit SampleData(bool with_ldap = false) {
        Seed seed = sample_seed();
        if (with_ldap) {
            // What the LDAP_* variables add (SPEC §1); the documents show only the entry.
            SeedLdapServer ldap;
            ldap.id = 1;
            ldap.name = "127.0.0.1";
            ldap.search_base = "ou=people,dc=example,dc=com";
            seed.ldap_servers.push_back(ldap);
            seed.providers.at(0).domains.at(0).ldapserver_id = 1;
        }
        store_->initialise(seed);
    }

    DomainSettings resolve(const Address& address) {
        auto settings = resolver_.resolve(address);
        REQUIRE(settings);
        return *settings;
    }

  private:
    class Jane : public Directory {
      public:
        std::optional<DirectoryEntry> find(const LdapServerRow&, const std::string&) override {
            return DirectoryEntry{"jdoe", "Jane Doe"};
        }
    };

    std::unique_ptr<Store> store_ = open_sql_store(parse_db_uri("sqlite:///:memory:"), {});
    Jane directory_;
    Resolver resolver_{*store_, &directory_};
};

inline const Address kSampleAlice{"alice", "example.com"};
inline const Address kSampleJane{"jane", "example.com"};

// The Autodiscover error's Time and Id change with every answer: replaced by fixed
// marks, but only when they have the promised form.
inline std::string normalise_error_601(const std::string& document) {
    static const std::regex stamp(R"( Time="\d\d:\d\d:\d\d\.\d{6}" Id="[1-9]\d*")");
    return std::regex_replace(document, stamp, R"( Time="{time}" Id="{id}")");
}

inline std::string golden_path(const std::string& name) {
    return std::string(AUTOMX2_GOLDEN_DIR) + "/" + name;
}

// Compares `actual` with test/golden/`name`, naming the first line that differs.
// UPDATE_GOLDEN=1 writes `actual` to the file instead.
inline void check_golden(const std::string& name, const std::string& actual) {
    const std::string path = golden_path(name);
    const char* update = std::getenv("UPDATE_GOLDEN");
    if (update != nullptr && std::string(update) == "1") {
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out << actual;
        REQUIRE(out.good());
        WARN("rewrote " << path);
        return;
    }
    std::ifstream in(path, std::ios::binary);
    INFO("golden file "
         << path << " (after an intended change: UPDATE_GOLDEN=1, see test/golden/README.md)");
    REQUIRE(in.good());
    const std::string expected{std::istreambuf_iterator<char>(in),
                               std::istreambuf_iterator<char>()};
    if (actual == expected) {
        SUCCEED();
        return;
    }
    std::istringstream want(expected);
    std::istringstream got(actual);
    std::string want_line;
    std::string got_line;
    int line = 0;
    for (;;) {
        ++line;
        const bool more_wanted = static_cast<bool>(std::getline(want, want_line));
        const bool more_got = static_cast<bool>(std::getline(got, got_line));
        if (!more_wanted || !more_got || want_line != got_line) {
            INFO("first difference in line "
                 << line << "\n  golden: " << (more_wanted ? want_line : "<end>")
                 << "\n  actual: " << (more_got ? got_line : "<end>"));
            CHECK(actual == expected);
            return;
        }
    }
}

}  // namespace automx2::test
