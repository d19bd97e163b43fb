// The response cache behind the dispatcher (issue 14): a repeated request is answered
// without the store while its change token stays, a change shows at once, and nothing
// is kept that the policy does not allow.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <map>

#include "backends/sql_store.h"
#include "core/db_uri.h"
#include "core/dispatcher.h"
#include "core/seed.h"

using namespace automx2;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

class TokenStore : public Store {
  public:
    std::map<std::string, DomainRecord> domains;
    std::optional<std::uint64_t> token = 1;
    int lookups = 0;

    std::optional<DomainRecord> find_domain(const std::string& domain) override {
        ++lookups;
        auto found = domains.find(domain);
        if (found == domains.end())
            return std::nullopt;
        return found->second;
    }
    std::optional<std::uint64_t> change_token() override { return token; }
    void ensure_schema() override {}
    bool has_tables() override { return true; }
    InitOutcome initialise(const Seed&) override { return InitOutcome::prepared; }
    std::vector<long> ldap_server_ids() override { return {}; }
    void purge() override {}
    StoreStats stats() override { return {}; }
};

class CountingDirectory : public Directory {
  public:
    int searches = 0;
    std::optional<DirectoryEntry> find(const LdapServerRow&, const std::string&) override {
        ++searches;
        return DirectoryEntry{"jdoe", "Jane Doe"};
    }
};

DomainRecord record(const std::string& provider_name) {
    DomainRecord r;
    r.domain_id = 1;
    r.domain = "example.com";
    r.provider = {1, provider_name, "Example"};
    r.provider_domains = {"example.com"};
    r.servers.push_back({1, 10, "imap.example.com", 993, "imap", "SSL", "%EMAILADDRESS%", "plain"});
    r.servers.push_back({2, 10, "smtp.example.com", 465, "smtp", "SSL", "%EMAILADDRESS%", "plain"});
    return r;
}

struct Fixture {
    explicit Fixture(CachePolicy policy = {}) : cache(policy) {
        store.domains["example.com"] = record("Example Inc.");
    }
    Config config;
    TokenStore store;
    CountingDirectory directory;
    Resolver resolver{store, &directory};
    ResponseCache cache;
    Dispatcher dispatcher{Services{config, store, resolver, nullptr, &cache}};

    Response get(const std::string& path, const std::string& query) {
        Request r;
        r.method = "GET";
        r.path = path;
        r.query_string = query;
        r.query = parse_query(query);
        r.remote_addr = "127.0.0.1";
        r.host = "autoconfig.example.com";
        return dispatcher.handle(r);
    }
    Response autoconfig(const std::string& address = "jane%40example.com") {
        return get("/mail/config-v1.1.xml", "emailaddress=" + address);
    }
};

}  // namespace

TEST_CASE("dispatcher cache: the same question is answered once per token") {
    Fixture f;
    Response first = f.autoconfig();
    REQUIRE(first.status == 200);
    CHECK(f.store.lookups == 1);
    Response second = f.autoconfig();
    CHECK(f.store.lookups == 1);
    CHECK(second.body == first.body);
    CHECK(second.content_type == first.content_type);
    CHECK(second.headers == first.headers);

    // Another address, another entry.
    f.autoconfig("joe%40example.com");
    CHECK(f.store.lookups == 2);

    // The database changed: the next answer shows it.
    f.store.domains["example.com"] = record("Renamed Inc.");
    f.store.token = 2;
    Response third = f.autoconfig();
    CHECK(f.store.lookups == 3);
    CHECK(third.body.find("Renamed Inc.") != std::string::npos);
}

TEST_CASE("dispatcher cache: Mobileconfig keeps its headers, a password is never kept") {
    Fixture f;
    Response first = f.get("/mobileconfig/", "emailaddress=jane%40example.com");
    REQUIRE(first.status == 200);
    Response second = f.get("/mobileconfig/", "emailaddress=jane%40example.com");
    CHECK(f.store.lookups == 1);
    CHECK(second.headers == first.headers);
    CHECK(second.body == first.body);

    f.get("/mobileconfig/", "emailaddress=jane%40example.com&password=secret");
    f.get("/mobileconfig/", "emailaddress=jane%40example.com&password=secret");
    CHECK(f.store.lookups == 3);
}

TEST_CASE("dispatcher cache: the setup page is kept per language and follows a change") {
    Fixture f;
    Response first = f.get("/setup", "emailaddress=jane%40example.com");
    REQUIRE(first.status == 200);
    Response second = f.get("/setup", "emailaddress=jane%40example.com");
    CHECK(f.store.lookups == 1);
    CHECK(second.body == first.body);
    CHECK(second.headers == first.headers);

    Response german = f.get("/setup", "emailaddress=jane%40example.com&lang=de");
    CHECK(f.store.lookups == 2);
    CHECK(german.body != first.body);

    f.store.domains["example.com"].servers[0].name = "mail.example.org";
    f.store.token = 2;
    Response changed = f.get("/setup", "emailaddress=jane%40example.com");
    CHECK(f.store.lookups == 3);
    CHECK(changed.body.find("mail.example.org") != std::string::npos);

    CHECK(f.get("/setup", "emailaddress=jane%40unknown.example").status == 404);
    CHECK(f.get("/setup", "emailaddress=jane%40unknown.example").status == 404);
    CHECK(f.store.lookups == 5);
}

TEST_CASE("dispatcher cache: unknown domains and errors are asked again") {
    Fixture f;
    CHECK(f.autoconfig("jane%40unknown.example").status == 204);
    CHECK(f.autoconfig("jane%40unknown.example").status == 204);
    CHECK(f.store.lookups == 2);
    CHECK(f.get("/mail/config-v1.1.xml", "emailaddress=not-an-address").status == 400);
}

TEST_CASE("dispatcher cache: a store without a token is asked every time unless a TTL allows") {
    Fixture off;
    off.store.token = std::nullopt;
    off.autoconfig();
    off.autoconfig();
    CHECK(off.store.lookups == 2);

    Fixture ttl(CachePolicy{60s, 0s});
    ttl.store.token = std::nullopt;
    ttl.autoconfig();
    ttl.autoconfig();
    CHECK(ttl.store.lookups == 1);
}

TEST_CASE("dispatcher cache: LDAP-backed answers only when opted in") {
    Fixture f;
    DomainRecord ldap = record("Example Inc.");
    ldap.ldap = LdapServerRow{};
    ldap.ldap->id = 1;
    f.store.domains["example.com"] = ldap;
    CHECK(f.autoconfig().status == 200);
    CHECK(f.autoconfig().status == 200);
    CHECK(f.directory.searches == 2);

    Fixture opted(CachePolicy{0s, 30s});
    opted.store.domains["example.com"] = ldap;
    Response first = opted.autoconfig();
    CHECK(first.body.find("jdoe") != std::string::npos);
    CHECK(opted.autoconfig().body == first.body);
    CHECK(opted.directory.searches == 1);
}

TEST_CASE("SQLite store: its change token moves with every write, also this process's own") {
    const fs::path path = fs::temp_directory_path() /
                          ("automx2-cache-store-" + std::to_string(::getpid()) + ".sqlite");
    fs::remove(path);
    const DbTarget target = parse_db_uri("sqlite:///" + path.string());
    {
        SqlStoreOptions options;
        options.pool_size = 2;
        auto store = open_sql_store(target, options);
        auto empty = store->change_token();
        REQUIRE(empty);
        CHECK(store->change_token() == empty);
        store->initialise(sample_seed());
        auto seeded = store->change_token();
        CHECK(seeded != empty);
        CHECK(store->find_domain("example.com"));
        CHECK(store->change_token() == seeded);  // reading changes nothing
        store->purge();
        CHECK(store->change_token() != seeded);
    }
    const DbTarget memory = parse_db_uri("sqlite:///:memory:");
    CHECK_FALSE(open_sql_store(memory, SqlStoreOptions{})->change_token());
    std::error_code ignored;
    fs::remove(path, ignored);
    fs::remove(path.string() + "-journal", ignored);
}
