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

namespace {

Request pacc_request(std::string host) {
    Request r;
    r.method = "GET";
    r.path = "/.well-known/user-agent-configuration.json";
    r.remote_addr = "127.0.0.1";
    r.host = std::move(host);
    return r;
}

DomainRecord customer_record() {
    DomainRecord r;
    r.domain_id = 2;
    r.domain = "customer.example";
    r.provider = {2, "Hoster", "H"};
    r.provider_domains = {"customer.example"};
    r.servers.push_back(
        {1, 10, "imap.%EMAILDOMAIN%", 993, "imap", "SSL", "%EMAILADDRESS%", "plain"});
    r.servers.push_back(
        {2, 10, "smtp.%EMAILDOMAIN%", 465, "smtp", "SSL", "%EMAILADDRESS%", "plain"});
    r.dav_servers.push_back(
        {3, "https://dav.%EMAILDOMAIN%/carddav/", 0, "carddav", true, false, {}});
    r.endpoints.push_back({4, "jmap", "https://jmap.%EMAILDOMAIN%/.well-known/jmap"});
    return r;
}

std::string autodiscover_for(const std::string& address) {
    return "<?xml version=\"1.0\"?><Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/"
           "autodiscover/outlook/requestschema/2006\"><Request><EMailAddress>" +
           address +
           "</EMailAddress><AcceptableResponseSchema>http://schemas.microsoft.com/exchange/"
           "autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema></Request>"
           "</Autodiscover>";
}

class NobodyDirectory : public Directory {
  public:
    std::optional<DirectoryEntry> find(const LdapServerRow&, const std::string& address) override {
        if (address == "known@example.com")
            return DirectoryEntry{"kuid", "Known Person"};
        return std::nullopt;
    }
};

}  // namespace

TEST_CASE("PACC: the domain from Host, JSON, 204 unknown, 404 nothing, 400 no Host",
          "[dispatcher][pacc]") {
    Fixture f;
    Response ok = f.dispatcher.handle(pacc_request("ua-auto-config.EXAMPLE.com:443"));
    CHECK(ok.status == 200);
    CHECK(ok.content_type == "application/json");
    CHECK(
        ok.body ==
        R"({"protocols":{"imap":{"host":"imap.example.com"},"submit":{"host":"smtp.example.com"}},)"
        R"("authentication":{"password":true},)"
        R"("info":{"provider":{"name":"Example Inc.","shortName":"Example"}}})");
    CHECK(f.store.asked.back() == "example.com");
    CHECK(f.dispatcher.handle(pacc_request("example.com")).body == ok.body);

    CHECK(f.dispatcher.handle(pacc_request("ua-auto-config.unknown.example")).status == 204);
    CHECK(f.dispatcher.handle(pacc_request("")).status == 400);
    CHECK(f.dispatcher.handle(pacc_request("evil.example/x")).status == 400);
    CHECK(f.dispatcher.handle(pacc_request("[::1]:443")).status == 400);

    DomainRecord starttls = example_record();
    starttls.domain = "starttls.example";
    starttls.servers = {
        {1, 10, "imap.example.com", 143, "imap", "STARTTLS", "%EMAILADDRESS%", "plain"}};
    f.store.domains["starttls.example"] = starttls;
    CHECK(f.dispatcher.handle(pacc_request("ua-auto-config.starttls.example")).status == 404);

    Request post = pacc_request("ua-auto-config.example.com");
    post.method = "POST";
    Response refused = f.dispatcher.handle(post);
    CHECK(refused.status == 405);
    CHECK(header(refused, "Allow") == "GET, HEAD, OPTIONS");
}

TEST_CASE("%EMAILDOMAIN% in host names is the looked-up domain in every protocol",
          "[dispatcher][placeholders]") {
    Fixture f;
    f.store.domains["customer.example"] = customer_record();

    Response autoconfig = f.get("/mail/config-v1.1.xml", "emailaddress=jane%40customer.example");
    REQUIRE(autoconfig.status == 200);
    CHECK(autoconfig.body.find("<hostname>imap.customer.example</hostname>") != std::string::npos);
    CHECK(autoconfig.body.find("<hostname>smtp.customer.example</hostname>") != std::string::npos);
    // User names keep their placeholders for Thunderbird (SPEC §3).
    CHECK(autoconfig.body.find("<username>%EMAILADDRESS%</username>") != std::string::npos);
    CHECK(autoconfig.body.find("%EMAILDOMAIN%") == std::string::npos);

    Request post;
    post.method = "POST";
    post.path = "/autodiscover/autodiscover.xml";
    post.content_type = "text/xml";
    post.body = autodiscover_for("jane@customer.example");
    Response autodiscover = f.dispatcher.handle(post);
    REQUIRE(autodiscover.status == 200);
    CHECK(autodiscover.body.find("<Server>imap.customer.example</Server>") != std::string::npos);
    CHECK(autodiscover.body.find("https://dav.customer.example/carddav/") != std::string::npos);
    CHECK(autodiscover.body.find("%EMAILDOMAIN%") == std::string::npos);

    Response profile = f.get("/mobileconfig/", "emailaddress=jane%40customer.example");
    REQUIRE(profile.status == 200);
    CHECK(profile.body.find("<string>imap.customer.example</string>") != std::string::npos);
    CHECK(profile.body.find("<string>smtp.customer.example</string>") != std::string::npos);
    CHECK(profile.body.find("%EMAILDOMAIN%") == std::string::npos);

    Response pacc = f.dispatcher.handle(pacc_request("ua-auto-config.customer.example"));
    REQUIRE(pacc.status == 200);
    CHECK(pacc.body.find(R"("imap":{"host":"imap.customer.example"})") != std::string::npos);
    CHECK(pacc.body.find(R"("carddav":{"url":"https://dav.customer.example/carddav/"})") !=
          std::string::npos);
    CHECK(pacc.body.find(R"("jmap":{"url":"https://jmap.customer.example/.well-known/jmap"})") !=
          std::string::npos);
}

TEST_CASE("autoconfig: no cleartext server beside an encrypted one of its type",
          "[dispatcher][autoconfig]") {
    Fixture f;
    DomainRecord r = example_record();
    r.servers = {
        {1, 10, "imap.example.com", 143, "imap", "plain", "%EMAILADDRESS%", "plain"},
        {2, 20, "imap.example.com", 993, "imap", "SSL", "%EMAILADDRESS%", "plain"},
        {3, 10, "pop.example.com", 110, "pop", "plain", "%EMAILADDRESS%", "plain"},
        {4, 10, "smtp.example.com", 25, "smtp", "None", "%EMAILADDRESS%", "plain"},
        {5, 20, "smtp.example.com", 587, "smtp", "STARTTLS", "%EMAILADDRESS%", "plain"},
    };
    f.store.domains["example.com"] = r;
    Response ok = f.get("/mail/config-v1.1.xml", "emailaddress=jane%40example.com");
    REQUIRE(ok.status == 200);
    CHECK(ok.body.find("<port>143</port>") == std::string::npos);
    CHECK(ok.body.find("<port>993</port>") != std::string::npos);
    CHECK(ok.body.find("<port>110</port>") != std::string::npos);  // only cleartext: kept
    CHECK(ok.body.find("<port>25</port>") == std::string::npos);
    CHECK(ok.body.find("<port>587</port>") != std::string::npos);

    // Autodiscover keeps every server (the rule is Autoconfig's, SPEC §16).
    Request post;
    post.method = "POST";
    post.path = "/autodiscover/autodiscover.xml";
    post.content_type = "text/xml";
    post.body = autodiscover_for("jane@example.com");
    Response autodiscover = f.dispatcher.handle(post);
    CHECK(autodiscover.body.find("<Port>143</Port>") != std::string::npos);
}

TEST_CASE("ldap_unknown_user: nocontent answers 204, domain the domain's settings",
          "[dispatcher][ldap]") {
    Config config;
    FakeStore store;
    DomainRecord r = example_record();
    r.ldap = LdapServerRow{};
    r.ldap->id = 1;
    r.servers[0].user_name = "%EMAILLOCALPART%";
    store.domains["example.com"] = r;
    NobodyDirectory directory;

    Resolver strict{store, &directory};
    Dispatcher nocontent{Services{config, store, strict}};
    Resolver lenient{store, &directory, true};
    Dispatcher domain{Services{config, store, lenient}};

    Request get;
    get.method = "GET";
    get.path = "/mail/config-v1.1.xml";
    get.query_string = "emailaddress=nobody%40example.com";
    get.query = parse_query(get.query_string);
    CHECK(nocontent.handle(get).status == 204);
    Response unknown = domain.handle(get);
    REQUIRE(unknown.status == 200);
    CHECK(unknown.body.find("<username>%EMAILLOCALPART%</username>") != std::string::npos);
    CHECK(unknown.from_directory);  // kept only as long as LDAP answers may be

    // Another unknown address gets the same bytes: nothing tells them apart.
    get.query_string = "emailaddress=other%40example.com";
    get.query = parse_query(get.query_string);
    CHECK(domain.handle(get).body == unknown.body);

    get.query_string = "emailaddress=known%40example.com";
    get.query = parse_query(get.query_string);
    CHECK(domain.handle(get).body.find("<username>kuid</username>") != std::string::npos);
}
