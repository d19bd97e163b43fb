// The dispatcher and handlers, without sockets, over an in-memory fake store.
#include <algorithm>
#include <catch2/catch.hpp>
#include <map>

#include "core/dispatcher.h"
#include "core/errors.h"

using namespace automx2;

namespace {

class FakeStore : public Store {
  public:
    std::map<std::string, DomainRecord> domains;
    bool unavailable = false;
    bool tables = true;
    bool populated = false;
    int purges = 0;
    std::vector<std::string> asked;

    std::optional<DomainRecord> find_domain(const std::string& domain) override {
        asked.push_back(domain);
        if (unavailable)
            throw BackendUnavailable("database down (SELECT secret FROM x)");
        auto found = domains.find(domain);
        if (found == domains.end())
            return std::nullopt;
        return found->second;
    }
    void ensure_schema() override { tables = true; }
    bool has_tables() override { return tables; }
    InitOutcome initialise(const Seed&) override {
        if (populated)
            return InitOutcome::already_populated;
        populated = true;
        return InitOutcome::prepared;
    }
    std::vector<long> ldap_server_ids() override { return {}; }
    void purge() override { ++purges; }
    StoreStats stats() override { return {}; }
};

DomainRecord example_record() {
    DomainRecord r;
    r.domain_id = 1;
    r.domain = "example.com";
    r.provider = {1, "Example Inc.", "Example"};
    r.provider_domains = {"example.com"};
    r.servers.push_back({1, 10, "imap.example.com", 993, "imap", "SSL", "%EMAILADDRESS%", "plain"});
    r.servers.push_back({2, 10, "smtp.example.com", 465, "smtp", "SSL", "%EMAILADDRESS%", "plain"});
    return r;
}

struct Fixture {
    Config config;
    FakeStore store;
    Resolver resolver{store, nullptr};
    Dispatcher dispatcher{Services{config, store, resolver}};
    Fixture() { store.domains["example.com"] = example_record(); }

    Response get(std::string path, std::string query = {}) {
        Request r;
        r.method = "GET";
        r.path = std::move(path);
        r.query_string = query;
        r.query = parse_query(query);
        r.remote_addr = "127.0.0.1";
        r.host = "autoconfig.example.com";
        return dispatcher.handle(r);
    }
};

std::optional<std::string> header(const Response& r, std::string_view name) {
    for (const auto& [k, v] : r.headers) {
        if (k == name)
            return v;
    }
    return std::nullopt;
}

const char* autodiscover_body =
    "<?xml version=\"1.0\"?><Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/"
    "autodiscover/outlook/requestschema/2006\"><Request><EMailAddress>jane@example.com"
    "</EMailAddress><AcceptableResponseSchema>http://schemas.microsoft.com/exchange/"
    "autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema></Request>"
    "</Autodiscover>";

}  // namespace

TEST_CASE("unknown paths are 404, wrong methods 405 with Allow", "[dispatcher]") {
    Fixture f;
    CHECK(f.get("/nope").status == 404);
    Request r;
    r.method = "GET";
    r.path = "/autodiscover/autodiscover.xml";
    Response refused = f.dispatcher.handle(r);
    CHECK(refused.status == 405);
    CHECK(header(refused, "Allow") == "POST, OPTIONS");
    r.method = "PUT";
    r.path = "/initdb/";
    CHECK(f.dispatcher.handle(r).status == 405);
    r.method = "OPTIONS";
    Response options = f.dispatcher.handle(r);
    CHECK(options.status == 200);
    CHECK(header(options, "Allow") == "GET, POST, DELETE, OPTIONS");
}

TEST_CASE("autoconfig answers 200, 204 and 400", "[dispatcher]") {
    Fixture f;
    Response ok = f.get("/mail/config-v1.1.xml", "emailaddress=jane%40EXAMPLE.com");
    CHECK(ok.status == 200);
    CHECK(ok.content_type == "application/xml");
    CHECK(ok.body.find("imap.example.com") != std::string::npos);
    CHECK(f.store.asked.back() == "example.com");  // normalised before lookup

    CHECK(f.get("/mail/config-v1.1.xml", "emailaddress=jane%40unknown.example").status == 204);
    CHECK(f.get("/mail/config-v1.1.xml", "emailaddress=nobody").status == 400);
    CHECK(f.get("/mail/config-v1.1.xml", "emailaddress=a%40b%40example.com").status == 400);
}

TEST_CASE("autoconfig without an address uses the Host header", "[dispatcher]") {
    Fixture f;
    Response ok = f.get("/mail/config-v1.1.xml");
    CHECK(ok.status == 200);
    CHECK(ok.body.find("%EMAILADDRESS%") != std::string::npos);
    Request r;
    r.method = "GET";
    r.path = "/mail/config-v1.1.xml";
    r.host = "autoconfig.unknown.example";
    CHECK(f.dispatcher.handle(r).status == 400);
}

TEST_CASE("backend outages are 503 with Retry-After and no internals", "[dispatcher]") {
    Fixture f;
    f.store.unavailable = true;
    Response down = f.get("/mail/config-v1.1.xml", "emailaddress=jane%40example.com");
    CHECK(down.status == 503);
    CHECK(header(down, "Retry-After").has_value());
    CHECK(down.body.find("SELECT") == std::string::npos);
}

TEST_CASE("invalid data in the database is 400", "[dispatcher]") {
    Fixture f;
    f.store.domains["example.com"].servers[0].type = "exchange";
    CHECK(f.get("/mail/config-v1.1.xml", "emailaddress=jane%40example.com").status == 400);
    CHECK(f.get("/mobileconfig/", "emailaddress=jane%40example.com").status == 400);
}

TEST_CASE("autodiscover checks content type and body", "[dispatcher]") {
    Fixture f;
    Request r;
    r.method = "POST";
    r.path = "/autodiscover/autodiscover.xml";
    r.body = autodiscover_body;
    r.content_type = "text/plain";
    CHECK(f.dispatcher.handle(r).status == 400);
    r.content_type = "Text/XML; charset=utf-8";
    Response ok = f.dispatcher.handle(r);
    CHECK(ok.status == 200);
    CHECK(ok.body.find("jane@example.com") != std::string::npos);
    r.body = "<Autodiscover><Request>";
    CHECK(f.dispatcher.handle(r).status == 400);
    r.body_too_large = true;
    CHECK(f.dispatcher.handle(r).status == 413);
}

TEST_CASE("mobileconfig needs an address and names its file", "[dispatcher]") {
    Fixture f;
    CHECK(f.get("/mobileconfig/").status == 400);
    Response ok = f.get("/mobileconfig", "emailaddress=jane%40example.com&name=Jane");
    REQUIRE(ok.status == 200);
    CHECK(ok.content_type == "application/x-apple-aspen-config");
    CHECK(header(ok, "Content-Disposition") == "attachment; filename=\"example.com.mobileconfig\"");
    CHECK(ok.body.find("<string>Jane</string>") != std::string::npos);
}

TEST_CASE("passwords reach a profile only when permitted", "[dispatcher]") {
    Fixture f;
    std::string query = "emailaddress=jane%40example.com&password=s3cr3t-value";
    CHECK(f.get("/mobileconfig/", query).body.find("s3cr3t-value") == std::string::npos);
    f.config.permit_cleartext_passwords = true;
    CHECK(f.get("/mobileconfig/", query).body.find("s3cr3t-value") != std::string::npos);
}

TEST_CASE("initdb is limited to allowed clients", "[dispatcher][initdb]") {
    Fixture f;
    Request r;
    r.method = "GET";
    r.path = "/initdb/";
    r.remote_addr = "192.0.2.10";
    CHECK(f.dispatcher.handle(r).status == 403);
    CHECK_FALSE(f.store.populated);
    r.remote_addr = "::1";
    Response first = f.dispatcher.handle(r);
    CHECK(first.status == 200);
    CHECK(first.body.find("Database is now prepared") != std::string::npos);
    Response second = f.dispatcher.handle(r);
    CHECK(second.body.find("Database already contains provider data") != std::string::npos);
    r.method = "DELETE";
    CHECK(f.dispatcher.handle(r).body.find("Database content purged") != std::string::npos);
    CHECK(f.store.purges == 1);
    r.method = "POST";
    r.content_type = "application/json";
    r.body = "{not json";
    CHECK(f.dispatcher.handle(r).status == 400);
}

TEST_CASE("initdb loads a POSTed seed only when it is declared as JSON", "[dispatcher][initdb]") {
    Fixture f;
    Request r;
    r.method = "POST";
    r.path = "/initdb/";
    r.remote_addr = "127.0.0.1";
    r.body = R"({"version": 2, "provider": "Posted", "domains": [{"name": "posted.example"}],)"
             R"( "servers": [{"type": "imap", "name": "imap.posted.example"}]})";
    // What a web page can send cross-site without a CORS preflight, and no type at all.
    for (const char* refused :
         {"text/plain", "text/plain; charset=utf-8", "application/x-www-form-urlencoded",
          "multipart/form-data; boundary=x", "", "application/jsonp", "text/json",
          "application/json-seq"}) {
        r.content_type = refused;
        INFO("Content-Type: " << refused);
        CHECK(f.dispatcher.handle(r).status == 415);
        CHECK_FALSE(f.store.populated);
    }
    for (const char* accepted : {"application/json", "Application/JSON; charset=utf-8",
                                 " application/json ;charset=UTF-8"}) {
        f.store.populated = false;
        r.content_type = accepted;
        INFO("Content-Type: " << accepted);
        Response ok = f.dispatcher.handle(r);
        CHECK(ok.status == 200);
        CHECK(ok.body.find("Database is now prepared") != std::string::npos);
    }
}

TEST_CASE("the index page hints at /initdb/ when there are no tables", "[dispatcher]") {
    Fixture f;
    Response page = f.get("/");
    CHECK(page.status == 200);
    CHECK(page.body.find("/mail/config-v1.1.xml?emailaddress=abc@example.com") !=
          std::string::npos);
    f.store.tables = false;
    CHECK(f.get("/").body.find("/initdb/") != std::string::npos);
}
