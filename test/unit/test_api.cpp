// The management write path (backends/change_writer.cpp) on SQLite :memory:, the
// tokens, the ETag and the API's answers through the Dispatcher (SPEC §15).
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "backends/sql_store.h"
#include "core/api/domain_json.h"
#include "core/api/export_document.h"
#include "core/api/problem.h"
#include "core/api/tokens.h"
#include "core/dispatcher.h"
#include "core/errors.h"
#include "core/resolver.h"
#include "core/sha256.h"

using namespace automx2;
namespace fs = std::filesystem;

namespace {

std::unique_ptr<Store> memory_store() {
    DbTarget target;
    target.dialect = Dialect::sqlite;
    target.display = "sqlite:///:memory:";
    target.in_memory = true;
    return open_sql_store(target, SqlStoreOptions{});
}

DomainPlan plan(const std::string& name, int imap_port = 993) {
    DomainPlan p;
    p.name = name;
    p.provider = "Plan Provider Ltd";
    p.short_name = "Plan";
    p.servers.push_back(SeedMailServer{"imap", "imap.plan.example", imap_port, 10, "SSL",
                                       "%EMAILADDRESS%", "plain"});
    p.servers.push_back(
        SeedMailServer{"smtp", "smtp.plan.example", 465, 10, "SSL", "%EMAILADDRESS%", "plain"});
    p.dav_servers.push_back(
        SeedDavServer{"caldav", "https://dav.plan.example/", 0, true, true, std::nullopt});
    return p;
}

ChangeOutcome put(Store& store, DomainPlan p, std::optional<std::string> if_match = {}) {
    ChangeSet changes;
    changes.domains.push_back(std::move(p));
    changes.if_match = std::move(if_match);
    return store.apply(changes);
}

struct TempFile {
    fs::path path =
        fs::temp_directory_path() / ("automx2-api-" + std::to_string(::getpid()) + "-" +
                                     std::to_string(reinterpret_cast<std::uintptr_t>(this)));
    ~TempFile() { fs::remove(path); }
};

}  // namespace

TEST_CASE("apply creates, finds unchanged, replaces with reuse, removes orphans") {
    auto store = memory_store();
    auto outcome = put(*store, plan("a.example"));
    CHECK(outcome.created == std::vector<std::string>{"a.example"});
    CHECK(put(*store, plan("a.example")).unchanged == std::vector<std::string>{"a.example"});
    put(*store, plan("b.example"));
    auto stats = store->stats();
    CHECK(stats.providers == 1);
    CHECK(stats.servers == 2);  // reused by b
    CHECK(stats.dav_servers == 1);

    CHECK(put(*store, plan("b.example", 143)).replaced == std::vector<std::string>{"b.example"});
    CHECK(store->stats().servers == 3);
    ChangeSet removal;
    removal.removals = {"A.Example"};
    CHECK(store->apply(removal).removed == std::vector<std::string>{"a.example"});
    stats = store->stats();
    CHECK(stats.servers == 2);  // a's imap 993 row had no other user
    CHECK(stats.domains == 1);
    removal.removals = {"b.example"};
    store->apply(removal);
    stats = store->stats();
    CHECK(stats.providers + stats.servers + stats.dav_servers == 0);
    removal.removals = {"b.example"};
    CHECK(store->apply(removal).missing == std::vector<std::string>{"b.example"});
}

TEST_CASE("If-Match: the current ETag passes, a stale one is 412 and changes nothing") {
    auto store = memory_store();
    put(*store, plan("m.example"));
    const std::string etag = domain_etag(*store->find_domain("m.example"));
    put(*store, plan("m.example", 143), etag);
    const std::string newer = domain_etag(*store->find_domain("m.example"));
    CHECK(newer != etag);
    CHECK_THROWS_AS(put(*store, plan("m.example"), etag), PreconditionFailed);
    CHECK(domain_etag(*store->find_domain("m.example")) == newer);
    CHECK_THROWS_AS(put(*store, plan("new.example"), std::string("*")), PreconditionFailed);
    CHECK_NOTHROW(put(*store, plan("m.example", 110), "W/" + newer));
}

TEST_CASE("ETag ignores server order but not content") {
    auto store = memory_store();
    auto p = plan("e.example");
    put(*store, p);
    const auto first = domain_etag(*store->find_domain("e.example"));
    std::swap(p.servers[0], p.servers[1]);
    CHECK(put(*store, p).unchanged.size() == 1);
    CHECK(domain_etag(*store->find_domain("e.example")) == first);
    p.servers[0].authentication = "NTLM";
    put(*store, p);
    CHECK(domain_etag(*store->find_domain("e.example")) != first);
}

TEST_CASE("a failing change set rolls back; dry_run reports and changes nothing; prune") {
    auto store = memory_store();
    put(*store, plan("keep.example"));
    const auto before = store->stats();
    ChangeSet bad;
    bad.domains = {plan("x1.example"), plan("x2.example")};
    bad.domains[1].ldapserver_id = 4242;
    CHECK_THROWS_AS(store->apply(bad), BadRequest);
    CHECK(store->stats().domains == before.domains);
    CHECK_FALSE(store->find_domain("x1.example"));

    ChangeSet dry;
    dry.domains = {plan("only.example")};
    dry.prune = true;
    dry.dry_run = true;
    auto outcome = store->apply(dry);
    CHECK(outcome.created == std::vector<std::string>{"only.example"});
    CHECK(outcome.removed == std::vector<std::string>{"keep.example"});
    CHECK(store->find_domain("keep.example"));
    CHECK_FALSE(store->find_domain("only.example"));
    dry.dry_run = false;
    store->apply(dry);
    CHECK_FALSE(store->find_domain("keep.example"));
    CHECK(store->stats().domains == 1);
}

TEST_CASE("list_domains pages by name with a prefix") {
    auto store = memory_store();
    ChangeSet changes;
    for (int i = 0; i < 12; ++i) {
        changes.domains.push_back(plan("d" + std::to_string(100 + i) + ".example"));
    }
    changes.domains.push_back(plan("z_%.example"));
    store->apply(changes);
    auto page = store->list_domains("d", "", 5);
    REQUIRE(page.domains.size() == 5);
    CHECK(page.domains.front().name == "d100.example");
    CHECK(page.domains.front().provider == "Plan Provider Ltd");
    REQUIRE(page.next == std::optional<std::string>("d104.example"));
    page = store->list_domains("d", *page.next, 10);
    CHECK(page.domains.size() == 7);
    CHECK_FALSE(page.next);
    CHECK(store->list_domains("z_", "", 10).domains.size() == 1);
    CHECK(store->list_domains("d1_", "", 10).domains.empty());  // '_' is no wildcard
}

TEST_CASE("export: one seed per provider and server set, importable again unchanged") {
    auto store = memory_store();
    ChangeSet changes;
    changes.domains = {plan("a.example"), plan("b.example"), plan("c.example", 143)};
    store->apply(changes);
    std::string doc = "{\"version\":2,\"seeds\":[";
    int seeds = 0;
    store->export_seeds(
        [&](const ExportSeed& seed) { doc += (seeds++ ? "," : "") + api::export_seed_json(seed); });
    doc += "]}";
    CHECK(seeds == 2);
    const ChangeSet again = api::parse_import_body(doc);
    CHECK(again.domains.size() == 3);
    CHECK(store->apply(again).unchanged.size() == 3);
}

TEST_CASE("import body errors name the field by JSON pointer") {
    try {
        api::parse_import_body(R"({"seeds":[{"provider":"P","domains":["a.example"],
            "servers":[{"type":"imap","name":"i","port":"1"}]}],"version":2})");
        FAIL("no error");
    } catch (const api::Problem& e) {
        CHECK(e.status() == 400);
        REQUIRE(e.errors().size() == 1);
        CHECK(e.errors()[0].pointer == "/seeds/0/servers/0/port");
    }
    CHECK_THROWS_AS(api::parse_import_body("{"), api::Problem);
    CHECK_THROWS_AS(api::parse_domain_body("a.example", R"({"provider":{"name":"P"},
        "servers":[{"type":"caldav","url":"https://x/"}]})"),
                    api::Problem);
    const auto p = api::parse_domain_body("a.example", R"({"provider":{"name":"P Q"},
        "davservers":[{"type":"carddav","url":"https://x/"}],"ldapserver":null})");
    CHECK(p.short_name == "P");
    CHECK(p.servers.empty());
    CHECK(p.dav_servers.size() == 1);
}

TEST_CASE("SPEC 16: endpoints and oauth2 written, shared, in the ETag, exported, removed") {
    auto store = memory_store();
    auto p = plan("g.example");
    const auto bare = [&] {
        put(*store, p);
        return domain_etag(*store->find_domain("g.example"));
    }();
    p.endpoints = {{"jmap", "https://jmap.plan.example/"}, {"ews", "https://ews.plan.example/"}};
    p.oauth2 = OAuth2Row{"login.plan.example", "mail", std::nullopt, std::nullopt, "c"};
    CHECK(put(*store, p).replaced.size() == 1);
    auto record = store->find_domain("g.example");
    REQUIRE(record);
    REQUIRE(record->endpoints.size() == 2);
    CHECK(record->endpoints[0].type == "ews");  // by id: written in canonical order
    REQUIRE(record->oauth2);
    CHECK(record->oauth2->client_id == std::optional<std::string>("c"));
    const auto full = domain_etag(*record);
    CHECK(full != bare);
    // Order of endpoints does not matter; their content and the oauth2 fields do.
    std::swap(p.endpoints[0], p.endpoints[1]);
    CHECK(put(*store, p).unchanged.size() == 1);
    p.oauth2->scope = "mail imap";
    CHECK(put(*store, p).replaced.size() == 1);
    CHECK(domain_etag(*store->find_domain("g.example")) != full);

    // A second domain of the provider shares the endpoint rows and the oauth2 row.
    auto h = p;
    h.name = "h.example";
    put(*store, h);
    CHECK(store->find_domain("h.example")->endpoints.at(0).id ==
          store->find_domain("g.example")->endpoints.at(0).id);
    // One change set that gives the provider two oauth2 answers is refused whole.
    ChangeSet conflict;
    auto other = h;
    other.oauth2->issuer = "elsewhere.example";
    conflict.domains = {p, other};
    CHECK_THROWS_AS(store->apply(conflict), BadRequest);
    CHECK(store->find_domain("h.example")->oauth2->issuer == "login.plan.example");

    std::string doc = "{\"version\":2,\"seeds\":[";
    int seeds = 0;
    store->export_seeds(
        [&](const ExportSeed& seed) { doc += (seeds++ ? "," : "") + api::export_seed_json(seed); });
    doc += "]}";
    CHECK(seeds == 1);
    CHECK(doc.find("\"oauth2\":{\"issuer\":\"login.plan.example\"") != std::string::npos);
    const ChangeSet again = api::parse_import_body(doc);
    REQUIRE(again.domains.size() == 2);
    CHECK(again.domains[0].endpoints.size() == 2);
    CHECK(store->apply(again).unchanged.size() == 2);

    // Removing the domains removes the rows nobody uses any more.
    ChangeSet removal;
    removal.removals = {"g.example", "h.example"};
    CHECK(store->apply(removal).removed.size() == 2);
    p.name = "fresh.example";
    p.endpoints.clear();
    p.oauth2.reset();
    put(*store, p);
    CHECK(store->find_domain("fresh.example")->endpoints.empty());
    CHECK_FALSE(store->find_domain("fresh.example")->oauth2);
}

TEST_CASE("SPEC 16: PUT bodies carry endpoints and oauth2; errors point at them") {
    const auto p = api::parse_domain_body("a.example", R"({"provider":{"name":"P Q"},
        "endpoints":[{"type":"ActiveSync","url":"https://eas.a.example/"}],
        "oauth2":{"issuer":"https://login.a.example","scope":"mail"}})");
    REQUIRE(p.endpoints.size() == 1);
    CHECK(p.endpoints[0].type == "activesync");
    REQUIRE(p.oauth2);
    CHECK(p.oauth2->issuer == "https://login.a.example");
    CHECK_FALSE(
        api::parse_domain_body("a.example", R"({"provider":{"name":"P"},"oauth2":null})").oauth2);
    const struct {
        const char* body;
        const char* pointer;
    } cases[] = {
        {R"({"provider":{"name":"P"},"endpoints":[{"type":"ews","url":"http://x/"}]})",
         "/endpoints/0/url"},
        {R"({"provider":{"name":"P"},"endpoints":[{"type":"imap","name":"i.example"}]})", ""},
        {R"({"provider":{"name":"P"},"endpoints":{}})", "/endpoints"},
        {R"({"provider":{"name":"P"},"oauth2":{"issuer":"a b","scope":"m"}})", "/oauth2/issuer"},
        {R"({"provider":{"name":"P"},"oauth2":{"issuer":"a.example"}})", ""},
        {R"({"provider":{"name":"P"},"oauth2":{"issuer":"a.example","scope":"m",
            "auth_url":"https://a.example/\"<x>"}})",
         "/oauth2/auth_url"},
    };
    for (const auto& c : cases) {
        INFO(c.body);
        try {
            api::parse_domain_body("a.example", c.body);
            FAIL("accepted");
        } catch (const api::Problem& e) {
            CHECK(e.status() == 400);
            REQUIRE(e.errors().size() == 1);
            if (*c.pointer != '\0') {
                CHECK(e.errors()[0].pointer == c.pointer);
            }
        }
    }
}

TEST_CASE("tokens: hashed, compared whole, added with a fresh random value") {
    CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(constant_time_equal("abc", "abc"));
    CHECK_FALSE(constant_time_equal("abc", "abd"));
    CHECK_FALSE(constant_time_equal("abc", "ab"));
    TempFile file;
    CHECK(api::check_token(file.path, "Bearer x").check == api::TokenCheck::unreadable);
    const std::string token = api::add_token(file.path, "ops");
    CHECK(token.size() == 64);
    CHECK(api::add_token(file.path, "dev") != token);
    CHECK_THROWS_AS(api::add_token(file.path, "ops"), BadRequest);
    CHECK_THROWS_AS(api::add_token(file.path, "bad name"), BadRequest);
    CHECK((fs::status(file.path).permissions() & fs::perms::others_read) == fs::perms::none);
    auto result = api::check_token(file.path, "bearer " + token);
    CHECK(result.check == api::TokenCheck::accepted);
    CHECK(result.name == "ops");
    CHECK(api::check_token(file.path, "Bearer " + token + "x").check == api::TokenCheck::refused);
    CHECK(api::check_token(file.path, token).check == api::TokenCheck::refused);
    std::ifstream in(file.path);
    std::string text((std::istreambuf_iterator<char>(in)), {});
    CHECK(text.find(token) == std::string::npos);
}

TEST_CASE("API through the dispatcher: off, 403, 401, answers") {
    auto store = memory_store();
    Config config;
    Resolver resolver{*store, nullptr};
    Dispatcher dispatcher{Services{config, *store, resolver}};
    TempFile file;
    Request r;
    r.method = "GET";
    r.path = "/api/v1/domains";
    r.remote_addr = "127.0.0.1";
    CHECK(dispatcher.handle(r).status == 404);
    config.admin_tokens_file = file.path.string();
    const std::string token = api::add_token(file.path, "unit");
    CHECK(dispatcher.handle(r).status == 401);
    r.authorization = "Bearer " + token;
    Response response = dispatcher.handle(r);
    CHECK(response.status == 200);
    CHECK(response.content_type == "application/json");
    CHECK(nlohmann::json::parse(response.body)["next"].is_null());
    r.remote_addr = "192.0.2.7";
    response = dispatcher.handle(r);
    CHECK(response.status == 403);
    CHECK(response.content_type == "application/problem+json");
    r.remote_addr = "::1";
    r.method = "PUT";
    r.path = "/api/v1/domains/u.example";
    r.body = R"({"provider":{"name":"U"},"servers":[{"type":"imap","name":"i.u.example"}]})";
    CHECK(dispatcher.handle(r).status == 415);
    r.content_type = "application/json; charset=utf-8";
    CHECK(dispatcher.handle(r).status == 201);
    CHECK(dispatcher.handle(r).status == 200);
    r.if_match = "\"stale\"";
    CHECK(dispatcher.handle(r).status == 412);
    r.body_too_large = true;
    CHECK(dispatcher.handle(r).status == 413);
}

TEST_CASE("tokens may expire: refused after the moment, named; add writes the expiry") {
    TempFile file;
    const std::time_t now = 1'800'000'000;  // 2027-01-15T08:00:00Z
    const auto until = api::token_expiry("2027-01-31", now);
    REQUIRE(until);
    CHECK(*until == "2027-01-31T23:59:59Z");
    CHECK(api::token_expiry("30", now) == "2027-02-14T08:00:00Z");
    CHECK_FALSE(api::token_expiry("2027-01-14", now));  // past
    CHECK_FALSE(api::token_expiry("0", now));
    CHECK_FALSE(api::token_expiry("2027-13-01", now));
    CHECK_FALSE(api::token_expiry("soon", now));
    const std::string token = api::add_token(file.path, "temp", until);
    auto result = api::check_token(file.path, "Bearer " + token, now);
    CHECK(result.check == api::TokenCheck::accepted);
    result = api::check_token(file.path, "Bearer " + token, now + 17 * 86400);
    CHECK(result.check == api::TokenCheck::expired);
    CHECK(result.name == "temp");
    CHECK(result.expires == "expires=2027-01-31T23:59:59Z");
    // An expiry that cannot be read refuses the token.
    std::ofstream(file.path, std::ios::app)
        << "odd:" << sha256_hex("odd-token") << " expires=someday\n";
    CHECK(api::check_token(file.path, "Bearer odd-token", now).check == api::TokenCheck::expired);
}

TEST_CASE("export through the API is streamed, never cached, and keeps provider ids") {
    auto store = memory_store();
    Config config;
    Resolver resolver{*store, nullptr};
    Dispatcher dispatcher{Services{config, *store, resolver}};
    TempFile file;
    config.admin_tokens_file = file.path.string();
    ChangeSet changes;
    changes.domains = {plan("a.example"), plan("b.example", 143)};
    changes.domains[1].provider = "Second Provider";
    store->apply(changes);
    Request r;
    r.method = "GET";
    r.path = "/api/v1/export";
    r.remote_addr = "127.0.0.1";
    r.authorization = "Bearer " + api::add_token(file.path, "unit");
    const Response response = dispatcher.handle(r);
    CHECK(response.status == 200);
    CHECK(response.body.empty());
    REQUIRE(response.stream);
    int chunks = 0;
    std::string body;
    response.stream([&](std::string_view chunk) {
        ++chunks;
        body += chunk;
    });
    CHECK(chunks >= 4);  // head, two seeds, tail
    CHECK(response.full_body() == body);
    const auto doc = nlohmann::json::parse(body);
    REQUIRE(doc["seeds"].size() == 2);
    CHECK_FALSE(doc.contains("skipped"));
    const long second = doc["seeds"][1]["provider_id"].get<long>();
    CHECK(second > doc["seeds"][0]["provider_id"].get<long>());
    // Purged, a new provider takes the first id; the import still restores the exported.
    ChangeSet purge;
    purge.prune = true;
    store->apply(purge);
    DomainPlan other = plan("c.example");
    other.provider = "Unrelated";
    put(*store, other);
    store->apply(api::parse_import_body(body));
    CHECK(store->find_domain("b.example")->provider.id == second);
    CHECK(store->find_domain("c.example")->provider.id != second);
}

TEST_CASE("export leaves out a server the import would refuse and lists it") {
    auto store = memory_store();
    Seed seed;
    SeedProvider provider{"Odd Corp", "Odd",       {{"odd.example", std::nullopt}}, {}, {},
                          {},         std::nullopt};
    provider.servers = {
        SeedMailServer{"imap", "imap.odd.example", 993, 10, "SSL", "%EMAILADDRESS%", "plain"},
        SeedMailServer{"exchange", "ex.odd.example", 443, 20, "SSL", "%EMAILADDRESS%", "plain"}};
    seed.providers.push_back(provider);
    store->initialise(seed);
    std::string body;
    const auto notes = api::write_export(*store, [&](std::string_view chunk) { body += chunk; });
    REQUIRE(notes.size() == 1);
    CHECK(notes[0].find("Odd Corp") != std::string::npos);
    const auto doc = nlohmann::json::parse(body);
    REQUIRE(doc["skipped"].size() == 1);
    CHECK(doc["skipped"][0]["server"]["type"] == "exchange");
    CHECK(doc["skipped"][0]["domains"] == nlohmann::json::array({"odd.example"}));
    REQUIRE(doc["seeds"][0]["servers"].size() == 1);
    CHECK(doc["seeds"][0]["servers"][0]["type"] == "imap");
    CHECK(api::parse_import_body(body).domains.size() == 1);  // importable
}
