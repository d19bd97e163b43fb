#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "backends/sql_store.h"
#include "core/errors.h"
#include "core/log.h"
#include "core/seed.h"

using namespace automx2;
namespace fs = std::filesystem;

namespace {

DbTarget memory_target() {
    DbTarget target;
    target.dialect = Dialect::sqlite;
    target.display = "sqlite:///:memory:";
    target.in_memory = true;
    return target;
}

// A fresh SQLite file in the temp directory, removed at scope exit.
class TempDb {
  public:
    TempDb() {
        static std::atomic<int> counter{0};
        path_ = fs::temp_directory_path() / ("automx2-test-" + std::to_string(::getpid()) + "-" +
                                             std::to_string(counter++) + ".sqlite");
        fs::remove(path_);
    }
    ~TempDb() {
        std::error_code ignored;
        fs::remove(path_, ignored);
        fs::remove(path_.string() + "-journal", ignored);
    }
    const fs::path& path() const { return path_; }
    DbTarget target() const {
        DbTarget target;
        target.dialect = Dialect::sqlite;
        target.database = path_.string();
        target.display = "sqlite:///" + path_.string();
        return target;
    }
    std::unique_ptr<soci::session> raw() const {
        return std::make_unique<soci::session>(soci::sqlite3, "db=" + path_.string());
    }

  private:
    fs::path path_;
};

SqlStoreOptions options(std::size_t pool = 4) {
    SqlStoreOptions o;
    o.pool_size = pool;
    return o;
}

SeedMailServer imap_server() {
    SeedMailServer server;
    server.type = "imap";
    server.name = "imap.example.com";
    server.port = 993;
    return server;
}

SeedLdapServer ldap_server(long id) {
    SeedLdapServer server;
    server.id = id;
    server.name = "ldap.example.com";
    server.search_base = "dc=x";
    return server;
}

Seed sample_without_ldap() {
    ::unsetenv("LDAP_HOSTNAME");
    return sample_seed();
}

std::set<std::string> names(soci::session& sql, const std::string& query) {
    std::set<std::string> result;
    std::string name;
    soci::statement st = (sql.prepare << query, soci::into(name));
    st.execute();
    while (st.fetch()) {
        result.insert(name);
    }
    return result;
}

std::set<std::string> columns(soci::session& sql, const std::string& table) {
    return names(sql, "SELECT name FROM pragma_table_info('" + table + "')");
}

// Everything of a record in one string, to compare results across threads.
std::string summary(const std::optional<DomainRecord>& r) {
    if (!r) {
        return "none";
    }
    std::ostringstream out;
    out << r->domain_id << r->domain << r->provider.id << r->provider.name << '|';
    for (const auto& d : r->provider_domains) {
        out << d << ',';
    }
    for (const auto& s : r->servers) {
        out << s.id << ':' << s.prio << s.name << s.port << s.type << s.socket_type << s.user_name
            << s.authentication << ';';
    }
    for (const auto& v : r->dav_servers) {
        out << v.id << v.url << v.port << v.use_ssl << v.domain_required
            << v.user_name.value_or("NULL") << ';';
    }
    return out.str();
}

void check_sample(Store& store) {
    auto example = store.find_domain("example.net");
    REQUIRE(example);
    CHECK(example->domain == "example.net");
    CHECK(example->provider.name == "Example Inc.");
    CHECK(example->provider.short_name == "Example");
    CHECK(example->provider_domains ==
          std::vector<std::string>{"example.com", "example.net", "example.org"});
    REQUIRE(example->servers.size() == 5);
    // By prio, then id (insertion order): 993, 995, 465 at prio 10; 143, 587 at prio 20.
    const int ports[] = {993, 995, 465, 143, 587};
    const char* types[] = {"imap", "pop", "smtp", "imap", "smtp"};
    for (std::size_t i = 0; i < 5; ++i) {
        CHECK(example->servers[i].port == ports[i]);
        CHECK(example->servers[i].type == types[i]);
        CHECK(example->servers[i].user_name == "%EMAILADDRESS%");
        CHECK(example->servers[i].authentication == "plain");
    }
    CHECK(example->servers[0].prio == 10);
    CHECK(example->servers[0].socket_type == "SSL");
    CHECK(example->servers[3].prio == 20);
    CHECK(example->servers[3].socket_type == "STARTTLS");
    CHECK(example->servers[0].id > example->servers[3].id);  // order by prio beats id
    REQUIRE(example->dav_servers.size() == 2);
    CHECK(example->dav_servers[0].type == "caldav");
    CHECK(example->dav_servers[0].url == "https://dav.example.com/caldav/%EMAILADDRESS%/");
    CHECK(example->dav_servers[0].port == 0);
    CHECK(example->dav_servers[0].use_ssl);
    CHECK(example->dav_servers[0].domain_required);
    CHECK(example->dav_servers[0].user_name == std::optional<std::string>("%EMAILADDRESS%"));
    CHECK(example->dav_servers[1].type == "carddav");
    CHECK(example->dav_servers[1].port == 443);
    CHECK_FALSE(example->dav_servers[1].domain_required);
    CHECK(example->dav_servers[1].user_name == std::optional<std::string>("%EMAILLOCALPART%"));
    CHECK_FALSE(example->ldap);

    auto other = store.find_domain("other.example");
    REQUIRE(other);
    CHECK(other->provider.short_name == "Other");
    CHECK(other->provider_domains == std::vector<std::string>{"other.example"});
    REQUIRE(other->servers.size() == 3);
    CHECK(other->servers[0].port == 110);
    CHECK(other->servers[0].socket_type == "plain");
    CHECK(other->servers[1].type == "smtp");
    CHECK(other->servers[2].port == 995);
    CHECK(other->servers[2].prio == 20);
    CHECK(other->servers[2].user_name == "%EMAILLOCALPART%");
    CHECK(other->dav_servers.empty());
    CHECK(other->provider.id != example->provider.id);

    auto serverless = store.find_domain("serverless.example");
    REQUIRE(serverless);
    CHECK(serverless->servers.empty());
    CHECK(serverless->dav_servers.empty());

    auto broken = store.find_domain("broken.example");
    REQUIRE(broken);
    REQUIRE(broken->servers.size() == 2);
    CHECK(broken->servers[1].type == "exchange");

    CHECK_FALSE(store.find_domain("unknown.example"));
    CHECK_FALSE(store.find_domain("example"));
}

// Runs `body` with stderr redirected to a file; returns what was written.
template <typename F>
std::string capture_stderr(F&& body) {
    std::fflush(stderr);
    const fs::path path =
        fs::temp_directory_path() / ("automx2-stderr-" + std::to_string(::getpid()) + ".txt");
    const int saved = ::dup(2);
    std::FILE* file = std::fopen(path.c_str(), "w");
    ::dup2(::fileno(file), 2);
    try {
        body();
    } catch (...) {
        ::dup2(saved, 2);
        ::close(saved);
        std::fclose(file);
        throw;
    }
    std::fflush(stderr);
    ::dup2(saved, 2);
    ::close(saved);
    std::fclose(file);
    std::ifstream in(path);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    fs::remove(path);
    return text;
}

}  // namespace

TEST_CASE("schema is created on open", "[store]") {
    SECTION("in memory") {
        auto store = open_sql_store(memory_target(), options());
        CHECK(store->has_tables());
        const auto stats = store->stats();
        CHECK(stats.has_tables);
        CHECK(stats.providers == 0);
        CHECK(stats.domains == 0);
        CHECK(stats.servers == 0);
        CHECK(stats.dav_servers == 0);
        CHECK(stats.ldap_servers == 0);
        CHECK(store->ldap_server_ids().empty());
        store->ensure_schema();  // idempotent
        CHECK(store->has_tables());
    }
    SECTION("on a file, with automx2's table and column names") {
        TempDb db;
        { auto store = open_sql_store(db.target(), options()); }
        auto sql = db.raw();
        CHECK(names(*sql, "SELECT name FROM sqlite_master WHERE type = 'table'") ==
              std::set<std::string>{"provider", "domain", "server", "server_domain", "davserver",
                                    "davserver_domain", "ldapserver", "oauth2", "endpoint",
                                    "endpoint_domain"});
        // SPEC §16: this service's own tables.
        CHECK(columns(*sql, "oauth2") == std::set<std::string>{"provider_id", "issuer", "scope",
                                                               "auth_url", "token_url",
                                                               "client_id"});
        CHECK(columns(*sql, "endpoint") == std::set<std::string>{"id", "type", "url"});
        CHECK(columns(*sql, "endpoint_domain") ==
              std::set<std::string>{"endpoint_id", "domain_id"});
        CHECK(columns(*sql, "server") == std::set<std::string>{"id", "prio", "name", "port", "type",
                                                               "socket_type", "user_name",
                                                               "authentication"});
        CHECK(columns(*sql, "domain") ==
              std::set<std::string>{"id", "name", "provider_id", "ldapserver_id"});
        CHECK(columns(*sql, "davserver") == std::set<std::string>{"id", "url", "port", "type",
                                                                  "use_ssl", "domain_required",
                                                                  "user_name"});
        CHECK(columns(*sql, "ldapserver") ==
              std::set<std::string>{"id", "name", "port", "use_ssl", "search_base", "search_filter",
                                    "attr_uid", "attr_cn", "bind_password", "bind_user"});
        CHECK(columns(*sql, "server_domain") == std::set<std::string>{"server_id", "domain_id"});
        CHECK(names(*sql,
                    "SELECT name FROM sqlite_master WHERE type = 'index' AND "
                    "tbl_name = 'domain' AND sql LIKE '%lower(name)%'")
                  .size() == 1);
        // Every lookup query uses an index, not a scan of a million domains.
        auto plan = [&](const std::string& query) {
            std::string text, detail;
            int a = 0, b = 0, c = 0;
            soci::statement st = (sql->prepare << "EXPLAIN QUERY PLAN " + query, soci::into(a),
                                  soci::into(b), soci::into(c), soci::into(detail));
            st.execute();
            while (st.fetch()) {
                text += detail + "\n";
            }
            return text;
        };
        CHECK_THAT(plan("SELECT id FROM domain WHERE lower(name) = 'x'"),
                   Catch::Contains("ix_domain_name_lower"));
        CHECK_THAT(plan("SELECT name FROM domain WHERE provider_id = 1 ORDER BY id"),
                   Catch::Contains("ix_domain_provider_id"));
        CHECK_THAT(plan("SELECT s.id FROM server s JOIN server_domain sd ON sd.server_id = s.id "
                        "WHERE sd.domain_id = 1"),
                   Catch::Contains("ix_server_domain_domain_id"));
        CHECK_THAT(plan("SELECT v.id FROM davserver v JOIN davserver_domain vd ON "
                        "vd.davserver_id = v.id WHERE vd.domain_id = 1"),
                   Catch::Contains("ix_davserver_domain_domain_id"));
        CHECK_THAT(plan("SELECT e.id FROM endpoint e JOIN endpoint_domain ed ON "
                        "ed.endpoint_id = e.id WHERE ed.domain_id = 1"),
                   Catch::Contains("ix_endpoint_domain_domain_id"));
        // SQL default of SPEC §2.
        *sql << "INSERT INTO server (name, port, type) VALUES ('s', 1, 'imap')";
        std::string socket, user, auth;
        int prio = 0;
        *sql << "SELECT prio, socket_type, user_name, authentication FROM server", soci::into(prio),
            soci::into(socket), soci::into(user), soci::into(auth);
        CHECK(prio == 10);
        CHECK(socket == "STARTTLS");
        CHECK(user == "%EMAILADDRESS%");
        CHECK(auth == "plain");
    }
}

TEST_CASE("initialise loads the sample and find_domain returns ordered data", "[store]") {
    SECTION("in memory") {
        auto store = open_sql_store(memory_target(), options());
        CHECK(store->initialise(sample_without_ldap()) == InitOutcome::prepared);
        check_sample(*store);
        const auto stats = store->stats();
        CHECK(stats.providers == 5);
        CHECK(stats.domains == 7);
        CHECK(stats.servers == 12);
        CHECK(stats.dav_servers == 3);
        CHECK(stats.ldap_servers == 0);
    }
    SECTION("on a file, read back by a second store") {
        TempDb db;
        {
            auto store = open_sql_store(db.target(), options());
            CHECK(store->initialise(sample_without_ldap()) == InitOutcome::prepared);
        }
        auto store = open_sql_store(db.target(), options(2));
        check_sample(*store);
        auto sql = db.raw();
        int links = 0;
        *sql << "SELECT COUNT(*) FROM server_domain", soci::into(links);
        CHECK(links == 5 * 3 + 3 + 2 + 2);  // every server serves every domain of its provider
        *sql << "SELECT COUNT(*) FROM davserver_domain", soci::into(links);
        CHECK(links == 2 * 3 + 1);
        *sql << "SELECT COUNT(*) FROM endpoint_domain", soci::into(links);
        CHECK(links == 3);  // SPEC §16: groupware.example's
        *sql << "SELECT COUNT(*) FROM oauth2", soci::into(links);
        CHECK(links == 1);
    }
}

TEST_CASE("second initialise changes nothing", "[store]") {
    auto store = open_sql_store(memory_target(), options());
    REQUIRE(store->initialise(sample_without_ldap()) == InitOutcome::prepared);
    const auto before = summary(store->find_domain("example.com"));
    Seed other = parse_seed(R"({"provider": "New", "domains": ["new.example"],
                                "servers": [{"type": "imap", "name": "i"}]})");
    CHECK(store->initialise(other) == InitOutcome::already_populated);
    CHECK(store->stats().providers == 5);
    CHECK_FALSE(store->find_domain("new.example"));
    CHECK(summary(store->find_domain("example.com")) == before);
}

TEST_CASE("domains match case-insensitively, the exact spelling first", "[store]") {
    auto store = open_sql_store(memory_target(), options());
    Seed seed;
    seed.providers.push_back(SeedProvider{"Mixed Case",
                                          "Mixed",
                                          {SeedDomain{"EXAMPLE.com", std::nullopt}},
                                          {imap_server()},
                                          {},
                                          {},
                                          {}});
    seed.providers[0].servers[0].socket_type = "SSL";
    REQUIRE(store->initialise(seed) == InitOutcome::prepared);
    auto record = store->find_domain("example.com");
    REQUIRE(record);
    CHECK(record->domain == "EXAMPLE.com");
    CHECK(record->servers.size() == 1);
    CHECK_FALSE(store->find_domain("example.co"));
    CHECK_FALSE(store->find_domain("%"));
}

TEST_CASE("LDAP servers are stored with their ids and read with the domain", "[store]") {
    auto store = open_sql_store(memory_target(), options());
    Seed seed = parse_seed(R"({"version": 2, "provider": "Dir Corp",
        "domains": [{"name": "dir.example", "ldapserver_id": 42}, {"name": "plain.example"}],
        "servers": [{"type": "imap", "name": "imap.dir.example"}],
        "ldapservers": [{"id": 42, "name": "ldap.dir.example", "port": 389,
                         "search_base": "ou=people", "attr_cn": null,
                         "bind_user": "cn=reader", "bind_password": null}]})");
    REQUIRE(store->initialise(seed) == InitOutcome::prepared);
    CHECK(store->ldap_server_ids() == std::vector<long>{42});
    auto record = store->find_domain("dir.example");
    REQUIRE(record);
    REQUIRE(record->ldap);
    CHECK(record->ldap->id == 42);
    CHECK(record->ldap->name == "ldap.dir.example");
    CHECK(record->ldap->port == 389);
    CHECK_FALSE(record->ldap->use_ssl);
    CHECK(record->ldap->search_base == "ou=people");
    CHECK(record->ldap->search_filter == "(mail={0})");
    CHECK(record->ldap->attr_uid == "uid");
    CHECK_FALSE(record->ldap->attr_cn);
    CHECK(record->ldap->bind_user == std::optional<std::string>("cn=reader"));
    CHECK_FALSE(record->ldap->bind_password);
    auto plain = store->find_domain("plain.example");
    REQUIRE(plain);
    CHECK_FALSE(plain->ldap);
}

TEST_CASE("a rejected seed leaves the database as it was", "[store]") {
    auto store = open_sql_store(memory_target(), options());

    SECTION("unknown ldapserver_id") {
        Seed seed = sample_without_ldap();
        seed.providers[1].domains[0].ldapserver_id = 42;
        CHECK_THROWS_WITH(store->initialise(seed), Catch::Contains("unknown ldapserver_id 42"));
    }
    SECTION("a conflict found by the database half-way through") {
        Seed seed = sample_without_ldap();
        seed.providers[3].domains[0].name = "example.com";  // UNIQUE(domain.name)
        CHECK_THROWS_AS(store->initialise(seed), BadRequest);
    }
    const auto stats = store->stats();
    CHECK(stats.has_tables);
    CHECK(stats.providers == 0);
    CHECK(stats.domains == 0);
    CHECK(stats.servers == 0);
    CHECK(stats.dav_servers == 0);
    CHECK_FALSE(store->find_domain("example.com"));
    // And the store still works afterwards.
    CHECK(store->initialise(sample_without_ldap()) == InitOutcome::prepared);
    CHECK(store->find_domain("example.com"));
}

TEST_CASE("purge deletes every row", "[store]") {
    TempDb db;
    auto store = open_sql_store(db.target(), options());
    Seed seed = sample_without_ldap();
    seed.ldap_servers.push_back(ldap_server(7));
    seed.providers[0].domains[0].ldapserver_id = 7;
    REQUIRE(store->initialise(seed) == InitOutcome::prepared);
    REQUIRE(store->stats().ldap_servers == 1);
    store->purge();
    const auto stats = store->stats();
    CHECK(stats.has_tables);
    CHECK(stats.providers + stats.domains + stats.servers + stats.dav_servers +
              stats.ldap_servers ==
          0);
    auto sql = db.raw();
    int links = -1;
    *sql << "SELECT (SELECT COUNT(*) FROM server_domain) + (SELECT COUNT(*) FROM "
            "davserver_domain)",
        soci::into(links);
    CHECK(links == 0);
    CHECK_FALSE(store->find_domain("example.com"));
    CHECK(store->initialise(sample_without_ldap()) == InitOutcome::prepared);
    check_sample(*store);
}

TEST_CASE("an automx2 database without SQL defaults and with NULLs is read correctly", "[store]") {
    TempDb db;
    {
        auto sql = db.raw();
        // The DDL SQLAlchemy emits for automx2's models: Python-side defaults only.
        *sql << "CREATE TABLE provider (id INTEGER NOT NULL, name VARCHAR(128) NOT NULL, "
                "short_name VARCHAR(32) NOT NULL, PRIMARY KEY (id))";
        *sql << "CREATE TABLE ldapserver (id INTEGER NOT NULL, name VARCHAR(128) NOT NULL, "
                "port INTEGER NOT NULL, use_ssl BOOLEAN NOT NULL, search_base VARCHAR(128) "
                "NOT NULL, search_filter VARCHAR(128) NOT NULL, attr_uid VARCHAR(32) NOT NULL, "
                "attr_cn VARCHAR(32), bind_password VARCHAR(128), bind_user VARCHAR(128), "
                "PRIMARY KEY (id))";
        *sql << "CREATE TABLE domain (id INTEGER NOT NULL, name VARCHAR(128) NOT NULL, "
                "provider_id INTEGER NOT NULL, ldapserver_id INTEGER, PRIMARY KEY (id), "
                "UNIQUE (name), FOREIGN KEY(provider_id) REFERENCES provider (id), "
                "FOREIGN KEY(ldapserver_id) REFERENCES ldapserver (id))";
        *sql << "CREATE TABLE server (id INTEGER NOT NULL, prio INTEGER NOT NULL, "
                "name VARCHAR(128) NOT NULL, port INTEGER NOT NULL, type VARCHAR(32) NOT NULL, "
                "socket_type VARCHAR(32), user_name VARCHAR(64), authentication VARCHAR(32), "
                "PRIMARY KEY (id))";
        *sql << "CREATE TABLE server_domain (server_id INTEGER NOT NULL, domain_id INTEGER NOT "
                "NULL, PRIMARY KEY (server_id, domain_id), FOREIGN KEY(server_id) REFERENCES "
                "server (id), FOREIGN KEY(domain_id) REFERENCES domain (id))";
        *sql << "CREATE TABLE davserver (id INTEGER NOT NULL, url VARCHAR(128) NOT NULL, "
                "port INTEGER NOT NULL, type VARCHAR(32) NOT NULL, use_ssl BOOLEAN NOT NULL, "
                "domain_required BOOLEAN NOT NULL, user_name VARCHAR(64), PRIMARY KEY (id))";
        *sql << "CREATE TABLE davserver_domain (davserver_id INTEGER NOT NULL, domain_id "
                "INTEGER NOT NULL, PRIMARY KEY (davserver_id, domain_id), FOREIGN "
                "KEY(davserver_id) REFERENCES davserver (id), FOREIGN KEY(domain_id) "
                "REFERENCES domain (id))";
        *sql << "INSERT INTO provider VALUES (3, 'Legacy Mail AG', 'Legacy')";
        *sql << "INSERT INTO ldapserver VALUES (5, 'ldap.legacy.example', 636, 1, 'dc=legacy', "
                "'(mail={0})', 'uid', NULL, NULL, NULL)";
        *sql << "INSERT INTO domain VALUES (11, 'legacy.example', 3, 5)";
        *sql << "INSERT INTO domain VALUES (10, 'first.example', 3, NULL)";
        *sql << "INSERT INTO server VALUES (21, 10, 'smtp.legacy.example', 587, 'smtp', NULL, "
                "NULL, NULL)";
        *sql << "INSERT INTO server VALUES (20, 10, 'imap.legacy.example', 993, 'imap', 'SSL', "
                "'%EMAILLOCALPART%', 'NTLM')";
        *sql << "INSERT INTO server_domain VALUES (21, 11), (20, 11)";
        *sql << "INSERT INTO davserver VALUES (30, 'https://dav.legacy.example/', 0, 'caldav', "
                "1, 0, NULL)";
        *sql << "INSERT INTO davserver_domain VALUES (30, 11)";
    }
    auto store = open_sql_store(db.target(), options());
    auto record = store->find_domain("legacy.example");
    REQUIRE(record);
    CHECK(record->domain_id == 11);
    CHECK(record->provider.id == 3);
    CHECK(record->provider.name == "Legacy Mail AG");
    CHECK(record->provider_domains == std::vector<std::string>{"first.example", "legacy.example"});
    REQUIRE(record->servers.size() == 2);
    CHECK(record->servers[0].id == 20);
    CHECK(record->servers[0].socket_type == "SSL");
    CHECK(record->servers[0].user_name == "%EMAILLOCALPART%");
    CHECK(record->servers[0].authentication == "NTLM");
    CHECK(record->servers[1].id == 21);
    CHECK(record->servers[1].socket_type == "STARTTLS");
    CHECK(record->servers[1].user_name == "%EMAILADDRESS%");
    CHECK(record->servers[1].authentication == "plain");
    REQUIRE(record->dav_servers.size() == 1);
    CHECK(record->dav_servers[0].use_ssl);
    CHECK_FALSE(record->dav_servers[0].domain_required);
    CHECK_FALSE(record->dav_servers[0].user_name);
    REQUIRE(record->ldap);
    CHECK(record->ldap->id == 5);
    CHECK(record->ldap->use_ssl);
    CHECK_FALSE(record->ldap->attr_cn);
    CHECK_FALSE(record->ldap->bind_user);
    CHECK(store->initialise(sample_without_ldap()) == InitOutcome::already_populated);
}

TEST_CASE("an old automx2 schema is upgraded in place with its data intact", "[store]") {
    TempDb db;
    {
        auto sql = db.raw();
        // automx2 before 2020: no server.prio, no DAV tables, no LDAP.
        *sql << "CREATE TABLE provider (id INTEGER NOT NULL, name VARCHAR(128) NOT NULL, "
                "short_name VARCHAR(32) NOT NULL, PRIMARY KEY (id))";
        *sql << "CREATE TABLE domain (id INTEGER NOT NULL, name VARCHAR(128) NOT NULL, "
                "provider_id INTEGER NOT NULL, PRIMARY KEY (id), UNIQUE (name), "
                "FOREIGN KEY(provider_id) REFERENCES provider (id))";
        *sql << "CREATE TABLE server (id INTEGER NOT NULL, name VARCHAR(128) NOT NULL, "
                "port INTEGER NOT NULL, type VARCHAR(32) NOT NULL, socket_type VARCHAR(32) NOT "
                "NULL, user_name VARCHAR(64) NOT NULL, authentication VARCHAR(32) NOT NULL, "
                "PRIMARY KEY (id))";
        *sql << "CREATE TABLE server_domain (server_id INTEGER, domain_id INTEGER, "
                "FOREIGN KEY(server_id) REFERENCES server (id), "
                "FOREIGN KEY(domain_id) REFERENCES domain (id))";
        *sql << "INSERT INTO provider VALUES (1, 'Old Mail', 'Old')";
        *sql << "INSERT INTO domain VALUES (1, 'old.example', 1)";
        *sql << "INSERT INTO server VALUES (2, 'smtp.old.example', 465, 'smtp', 'SSL', "
                "'%EMAILADDRESS%', 'plain')";
        *sql << "INSERT INTO server VALUES (1, 'imap.old.example', 993, 'imap', 'SSL', "
                "'%EMAILADDRESS%', 'plain')";
        *sql << "INSERT INTO server_domain VALUES (2, 1), (1, 1)";
    }
    std::string log_text;
    std::unique_ptr<Store> store;
    log::set_level(log::Level::info);
    log_text = capture_stderr([&] { store = open_sql_store(db.target(), options()); });
    log::set_level(log::Level::warning);
    CHECK_THAT(log_text, Catch::Contains("server.prio"));
    CHECK_THAT(log_text, Catch::Contains("davserver"));
    CHECK_THAT(log_text, Catch::Contains("ldapserver"));
    CHECK_THAT(log_text, Catch::Contains("creating table oauth2"));
    CHECK_THAT(log_text, Catch::Contains("creating table endpoint_domain"));
    CHECK(store->has_tables());
    {
        auto sql = db.raw();
        CHECK(columns(*sql, "server").count("prio") == 1);
        CHECK(columns(*sql, "domain").count("ldapserver_id") == 1);
        CHECK(names(*sql, "SELECT name FROM sqlite_master WHERE type = 'table'").size() == 10);
    }
    auto record = store->find_domain("old.example");
    REQUIRE(record);
    CHECK(record->provider.name == "Old Mail");
    REQUIRE(record->servers.size() == 2);
    CHECK(record->servers[0].id == 1);
    CHECK(record->servers[0].prio == 10);
    CHECK(record->servers[1].id == 2);
    CHECK(record->servers[1].name == "smtp.old.example");
    CHECK(record->dav_servers.empty());
    CHECK(record->endpoints.empty());
    CHECK_FALSE(record->oauth2);
    CHECK_FALSE(record->ldap);
    CHECK(store->initialise(sample_without_ldap()) == InitOutcome::already_populated);
    // A second open finds nothing to upgrade.
    store.reset();
    log::set_level(log::Level::info);
    log_text = capture_stderr([&] { store = open_sql_store(db.target(), options()); });
    log::set_level(log::Level::warning);
    CHECK(log_text.find("upgrading") == std::string::npos);
}

TEST_CASE("concurrent lookups give consistent results", "[store][threads]") {
    auto run = [](Store& store) {
        REQUIRE(store.initialise(sample_without_ldap()) == InitOutcome::prepared);
        const std::vector<std::string> domains = {"example.com", "example.org", "other.example",
                                                  "serverless.example", "nope.example"};
        std::vector<std::string> expected;
        for (const auto& d : domains) {
            expected.push_back(summary(store.find_domain(d)));
        }
        std::atomic<int> mismatches{0}, errors{0}, lookups{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < 8; ++t) {
            threads.emplace_back([&, t] {
                for (int i = 0; i < 200; ++i) {
                    const std::size_t k = static_cast<std::size_t>(t + i) % domains.size();
                    try {
                        if (summary(store.find_domain(domains[k])) != expected[k]) {
                            ++mismatches;
                        }
                        ++lookups;
                    } catch (...) {
                        ++errors;
                    }
                }
            });
        }
        for (auto& thread : threads) {
            thread.join();
        }
        CHECK(errors == 0);
        CHECK(mismatches == 0);
        CHECK(lookups == 8 * 200);
        CHECK(expected[0].find("imap.example.com") != std::string::npos);
        CHECK(expected[4] == "none");
    };
    SECTION("file") {
        TempDb db;
        auto store = open_sql_store(db.target(), options(4));
        run(*store);
    }
    SECTION("in memory: one database for every thread") {
        auto store = open_sql_store(memory_target(), options(4));
        run(*store);
    }
}

TEST_CASE("concurrent initialisations load the data once", "[store][threads]") {
    auto race = [](Store& a, Store& b) {
        const Seed seed = sample_without_ldap();
        std::atomic<int> prepared{0}, populated{0}, errors{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t) {
            Store& store = t % 2 ? a : b;
            threads.emplace_back([&] {
                try {
                    if (store.initialise(seed) == InitOutcome::prepared) {
                        ++prepared;
                    } else {
                        ++populated;
                    }
                } catch (...) {
                    ++errors;
                }
            });
        }
        for (auto& thread : threads) {
            thread.join();
        }
        CHECK(errors == 0);
        CHECK(prepared == 1);
        CHECK(populated == 3);
        CHECK(a.stats().providers == 5);
        CHECK(a.stats().servers == 12);
    };
    SECTION("file, two stores") {
        TempDb db;
        auto a = open_sql_store(db.target(), options());
        auto b = open_sql_store(db.target(), options());
        race(*a, *b);
    }
    SECTION("in memory") {
        auto store = open_sql_store(memory_target(), options());
        race(*store, *store);
    }
}

TEST_CASE("db_echo logs statements, never bound values", "[store]") {
    SqlStoreOptions o = options();
    o.echo = true;
    std::unique_ptr<Store> store;
    Seed seed = sample_without_ldap();
    SeedLdapServer ldap = ldap_server(9);
    ldap.bind_password = "Pa55-never-logged";
    seed.ldap_servers.push_back(ldap);
    log::set_level(log::Level::info);
    const std::string text = capture_stderr([&] {
        store = open_sql_store(memory_target(), o);
        store->initialise(seed);
        store->find_domain("example.com");
    });
    log::set_level(log::Level::warning);
    CHECK_THAT(text, Catch::Contains("INSERT INTO ldapserver"));
    CHECK_THAT(text, Catch::Contains("lower(d.name) = :d"));
    CHECK(text.find("Pa55-never-logged") == std::string::npos);
    CHECK(text.find("example.com") == std::string::npos);  // a bound value
}

TEST_CASE("an unusable database is BackendUnavailable", "[store]") {
    SECTION("directory missing") {
        DbTarget target = memory_target();
        target.in_memory = false;
        target.database = "/nonexistent-automx2-dir/x/db.sqlite";
        CHECK_THROWS_AS(open_sql_store(target, options()), BackendUnavailable);
    }
    SECTION("not a database") {
        TempDb db;
        {
            std::ofstream out(db.path());
            out << std::string(4096, 'x');
        }
        CHECK_THROWS_AS(open_sql_store(db.target(), options()), BackendUnavailable);
    }
    SECTION("a broken session is dropped and reopened") {
        TempDb db;
        auto store = open_sql_store(db.target(), options(1));
        REQUIRE(store->initialise(sample_without_ldap()) == InitOutcome::prepared);
        const auto good = summary(store->find_domain("example.com"));
        const fs::path backup = db.path().string() + ".bak";
        fs::copy_file(db.path(), backup, fs::copy_options::overwrite_existing);
        {
            std::fstream out(db.path(), std::ios::in | std::ios::out | std::ios::binary);
            out << std::string(100, 'x');  // overwrite the header in place
        }
        CHECK_THROWS_AS(store->find_domain("example.com"), BackendUnavailable);
        fs::copy_file(backup, db.path(), fs::copy_options::overwrite_existing);
        fs::remove(backup);
        CHECK(summary(store->find_domain("example.com")) == good);
    }
}
