// The per-dialect DDL of backends/schema.cpp: automx2's tables as SQLAlchemy creates
// them on each database (checked as text; the real servers run them in
// test/integration/test_dialects.py).
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "backends/schema.h"

using namespace automx2;

namespace {

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

std::string table_ddl(Dialect dialect, const std::string& table) {
    for (const auto& ddl : create_table_statements(dialect)) {
        if (ddl.starts_with("CREATE TABLE " + table + " (")) {
            return ddl;
        }
    }
    FAIL("no CREATE TABLE for " << table);
    return {};
}

}  // namespace

TEST_CASE("every dialect creates all automx2 tables in dependency order") {
    for (Dialect dialect : {Dialect::sqlite, Dialect::mysql, Dialect::postgresql}) {
        const auto statements = create_table_statements(dialect);
        REQUIRE(statements.size() == kAutomx2Tables.size());
        for (std::size_t i = 0; i < statements.size(); ++i) {
            CHECK(
                statements[i].starts_with("CREATE TABLE " + std::string(kAutomx2Tables[i]) + " ("));
        }
    }
}

TEST_CASE("MySQL/MariaDB DDL: InnoDB, utf8mb4, AUTO_INCREMENT, BOOL, no quoted names") {
    for (const auto& ddl : create_table_statements(Dialect::mysql)) {
        CHECK(contains(ddl, "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"));
        CHECK_FALSE(contains(ddl, "`"));
        CHECK_FALSE(contains(ddl, "SERIAL"));
    }
    CHECK(contains(table_ddl(Dialect::mysql, "provider"), "id INTEGER NOT NULL AUTO_INCREMENT"));
    CHECK(contains(table_ddl(Dialect::mysql, "davserver"), "use_ssl BOOL NOT NULL"));
    CHECK(contains(table_ddl(Dialect::mysql, "domain"), "UNIQUE (name)"));
    CHECK(contains(table_ddl(Dialect::mysql, "server"), "prio INTEGER NOT NULL DEFAULT 10"));
    CHECK_FALSE(transactional_ddl(Dialect::mysql));
}

TEST_CASE("PostgreSQL DDL: SERIAL ids, BOOLEAN flags, foreign keys") {
    for (const auto& ddl : create_table_statements(Dialect::postgresql)) {
        CHECK_FALSE(contains(ddl, "AUTO_INCREMENT"));
        CHECK_FALSE(contains(ddl, "ENGINE="));
    }
    CHECK(contains(table_ddl(Dialect::postgresql, "provider"), "id SERIAL NOT NULL"));
    CHECK(contains(table_ddl(Dialect::postgresql, "ldapserver"), "use_ssl BOOLEAN NOT NULL"));
    CHECK(contains(table_ddl(Dialect::postgresql, "server_domain"),
                   "PRIMARY KEY (server_id, domain_id)"));
    CHECK(contains(table_ddl(Dialect::postgresql, "domain"),
                   "FOREIGN KEY (provider_id) REFERENCES provider (id)"));
    CHECK(transactional_ddl(Dialect::postgresql));
    CHECK(transactional_ddl(Dialect::sqlite));
}
