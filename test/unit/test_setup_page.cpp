// The setup page (issue 16) through the dispatcher, without sockets: escaping, language
// choice, unknown domains, bad input, the LDAP user name, the QR code.
#include <catch2/catch.hpp>
#include <map>

#include "core/cgi.h"
#include "core/dispatcher.h"
#include "core/errors.h"
#include "core/pages/page_text.h"
#include "core/pages/qr_svg.h"
#include "core/pages/setup_sections.h"

using namespace automx2;

namespace {

class FakeStore : public Store {
  public:
    std::map<std::string, DomainRecord> domains;
    bool tables = true;
    std::optional<DomainRecord> find_domain(const std::string& domain) override {
        auto found = domains.find(domain);
        if (found == domains.end())
            return std::nullopt;
        return found->second;
    }
    void ensure_schema() override {}
    bool has_tables() override { return tables; }
    InitOutcome initialise(const Seed&) override { return InitOutcome::already_populated; }
    std::vector<long> ldap_server_ids() override { return {}; }
    void purge() override {}
    StoreStats stats() override { return {}; }
};

class FakeDirectory : public Directory {
  public:
    std::optional<DirectoryEntry> find(const LdapServerRow&, const std::string& address) override {
        if (address == "jane@ldap.example")
            return DirectoryEntry{"jdoe", "Jane Doe"};
        return std::nullopt;
    }
};

DomainRecord record(const std::string& domain) {
    DomainRecord r;
    r.domain_id = 1;
    r.domain = domain;
    r.provider = {1, "Example Inc.", "Example"};
    r.provider_domains = {domain};
    r.servers.push_back({1, 10, "imap.example.com", 993, "imap", "SSL", "%EMAILADDRESS%", "plain"});
    r.servers.push_back(
        {2, 10, "smtp.example.com", 587, "smtp", "STARTTLS", "%EMAILLOCALPART%", "plain"});
    return r;
}

struct Fixture {
    Config config;
    FakeStore store;
    FakeDirectory directory;
    Resolver resolver{store, &directory};
    Dispatcher dispatcher{Services{config, store, resolver}};
    Fixture() {
        store.domains["example.com"] = record("example.com");
        DomainRecord ldap = record("ldap.example");
        ldap.ldap = LdapServerRow{};
        store.domains["ldap.example"] = ldap;
        DomainRecord bare = record("bare.example");
        bare.servers.clear();
        store.domains["bare.example"] = bare;
    }

    Response get(std::string path, std::string query = {}, std::string accept_language = {}) {
        Request r;
        r.method = "GET";
        r.path = std::move(path);
        r.query_string = query;
        r.query = parse_query(query);
        r.remote_addr = "127.0.0.1";
        r.host = "autoconfig.example.com";
        r.scheme = "https";
        r.accept_language = std::move(accept_language);
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

bool has(const Response& r, std::string_view text) {
    return r.body.find(text) != std::string::npos;
}

}  // namespace

TEST_CASE("the setup page shows the resolved settings in a table", "[setup]") {
    Fixture f;
    Response r = f.get("/setup", "emailaddress=jane%40Example.com");
    CHECK(r.status == 200);
    CHECK(r.content_type == "text/html; charset=utf-8");
    CHECK(has(r, "<html lang=\"en\">"));
    CHECK(has(r, "<caption>Incoming mail (IMAP)</caption>"));
    CHECK(has(r, "<code>imap.example.com</code>"));
    CHECK(has(r, "<code>993</code>"));
    CHECK(has(r, "<td>SSL/TLS</td>"));
    CHECK(has(r, "<td>STARTTLS</td>"));
    CHECK(has(r, "<code>jane@example.com</code>"));  // %EMAILADDRESS%, domain normalised
    CHECK(has(r, "<code>jane</code>"));              // %EMAILLOCALPART%
    CHECK(has(r, "<td>Normal password</td>"));
    CHECK(has(r, "href=\"/mobileconfig/?emailaddress=jane@example.com\""));
    CHECK(has(r, "<h2>Step by step</h2>"));
}

TEST_CASE("the setup page carries strict security headers and no inline script", "[setup]") {
    Fixture f;
    for (const char* path : {"/setup", "/", "/setup.css", "/setup/qr.svg"}) {
        Response r = f.get(path, "emailaddress=jane%40example.com");
        INFO(path);
        CHECK(r.status == 200);
        auto csp = header(r, "Content-Security-Policy");
        REQUIRE(csp);
        CHECK(csp->find("default-src 'none'") != std::string::npos);
        CHECK(csp->find("unsafe-inline") == std::string::npos);
        CHECK(header(r, "X-Content-Type-Options") == "nosniff");
        CHECK(header(r, "Referrer-Policy") == "no-referrer");
        CHECK(!has(r, "<script"));
        CHECK(!has(r, "style="));
    }
    CHECK(f.get("/setup.css").content_type == "text/css; charset=utf-8");
}

TEST_CASE("the index page carries the form unless the database is uninitialised", "[setup]") {
    Fixture f;
    Response r = f.get("/");
    CHECK(has(r, "<form action=\"/setup\" method=\"get\">"));
    CHECK(has(r, "<label for=\"emailaddress\">"));
    CHECK(has(r, "/mail/config-v1.1.xml?emailaddress=abc@example.com"));
    f.store.tables = false;
    CHECK(has(f.get("/"), "/initdb/"));
    CHECK(!has(f.get("/"), "<form"));
}

TEST_CASE("the QR code is an SVG of the absolute profile URL", "[setup]") {
    Fixture f;
    Response r = f.get("/setup", "emailaddress=jane%40example.com&name=Jane+Doe");
    CHECK(has(r,
              "<img class=\"qr\" id=\"profile-qr\" width=\"256\" height=\"256\" "
              "src=\"/setup/qr.svg?emailaddress=jane@example.com&amp;name=Jane%20Doe\" "
              "alt=\"QR code: opens the profile for jane@example.com\">"));
    CHECK(has(r, "href=\"/mobileconfig/?emailaddress=jane@example.com&amp;name=Jane%20Doe\""));
    Response qr = f.get("/setup/qr.svg", "emailaddress=jane%40example.com&name=Jane%20Doe");
    CHECK(qr.status == 200);
    CHECK(qr.content_type == "image/svg+xml; charset=utf-8");
    CHECK(has(qr, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"qr\""));
    CHECK(has(qr,
              "<title id=\"qr-title\">https://autoconfig.example.com/mobileconfig/"
              "?emailaddress=jane@example.com&amp;name=Jane%20Doe</title>"));
    CHECK(!has(qr, "<script"));
    CHECK(f.get("/setup/qr.svg", "emailaddress=nobody").status == 400);
    CHECK(f.get("/setup/qr.svg").status == 400);
    CHECK(f.get("/setup/qr.svg", "emailaddress=a%40b.example&name=%FF").status == 400);
    auto svg = pages::qr_svg("https://autoconfig.example.com/mobileconfig/?emailaddress=a@b", "t");
    REQUIRE(svg);
    CHECK(svg->find("<path fill=\"#000\" d=\"M4 4h7v1h-7z") != std::string::npos);  // finder
    // A host that cannot be part of a URL: the link stays, the QR code goes.
    Request bad;
    bad.method = "GET";
    bad.path = "/setup";
    bad.query = parse_query("emailaddress=jane%40example.com");
    bad.host = "evil\"><script>";
    Response without = f.dispatcher.handle(bad);
    CHECK(without.status == 200);
    CHECK(!has(without, "<img"));
    CHECK(!has(without, "<script>"));
    CHECK(has(without, "id=\"profile-link\""));
    bad.path = "/setup/qr.svg";
    CHECK(f.dispatcher.handle(bad).status == 400);
    CHECK(pages::request_origin(bad) == std::nullopt);
    // nginx's $host has no port: SERVER_PORT completes it unless it is the default.
    Request plain;
    plain.host = "autoconfig.example.com";
    plain.server_port = "8080";
    CHECK(pages::request_origin(plain) == "http://autoconfig.example.com:8080");
    plain.server_port = "80";
    CHECK(pages::request_origin(plain) == "http://autoconfig.example.com");
    plain.scheme = "https";
    plain.server_port = "443";
    CHECK(pages::request_origin(plain) == "https://autoconfig.example.com");
    plain.host = "[::1]:8443";
    plain.server_port = "9999";
    CHECK(pages::request_origin(plain) == "https://[::1]:8443");
    plain.host = "[::1]";
    CHECK(pages::request_origin(plain) == "https://[::1]:9999");
    plain.server_port = "1;x";
    CHECK(pages::request_origin(plain) == "https://[::1]");
}

TEST_CASE("the LDAP uid is the user name shown", "[setup]") {
    Fixture f;
    Response r = f.get("/setup", "emailaddress=jane%40ldap.example");
    CHECK(r.status == 200);
    CHECK(has(r, "<code>jdoe</code>"));
    CHECK(!has(r, "<code>jane@ldap.example</code>"));
    // No directory entry: as unknown as an unknown domain (the protocols answer 204).
    CHECK(f.get("/setup", "emailaddress=nobody%40ldap.example").status == 404);
}

TEST_CASE("unknown domains and domains without servers get a clear page", "[setup]") {
    Fixture f;
    Response r = f.get("/setup", "emailaddress=jane%40unknown.example");
    CHECK(r.status == 404);
    CHECK(has(r, "<h1>Domain not served here</h1>"));
    CHECK(has(r, "unknown.example"));
    CHECK(has(r, "<form"));
    Response bare = f.get("/setup", "emailaddress=jane%40bare.example");
    CHECK(bare.status == 200);
    CHECK(has(bare, "No mail servers are configured"));
    CHECK(!has(bare, "profile-link"));
}

TEST_CASE("bad input gets the form again with the problem named", "[setup]") {
    Fixture f;
    CHECK(f.get("/setup").status == 200);  // no address yet: just the form
    Response empty = f.get("/setup", "emailaddress=");
    CHECK(empty.status == 400);
    CHECK(has(empty, "Please enter your email address."));
    CHECK(has(empty, "aria-describedby=\"form-error\""));
    Response invalid = f.get("/setup", "emailaddress=nobody");
    CHECK(invalid.status == 400);
    CHECK(has(invalid, "This is not a valid email address: nobody"));
    Response longer = f.get("/setup", "emailaddress=" + std::string(300, 'a') + "%40example.com");
    CHECK(longer.status == 400);
    CHECK(!has(longer, std::string(255, 'a')));  // not echoed
    CHECK(f.get("/setup", "emailaddress=a%40example.com&name=" + std::string(129, 'n')).status ==
          400);
    CHECK(f.get("/setup", "emailaddress=a%40example.com&name=%FF%FE").status == 400);
    CHECK(f.get("/setup", "emailaddress=a%C0%AF%40example.com").status == 400);
    CHECK(f.get("/setup", "emailaddress=a%0D%0Ab%40example.com").status == 400);
}

TEST_CASE("hostile text is escaped wherever it is echoed", "[setup]") {
    Fixture f;
    Response a = f.get("/setup", "emailaddress=%3Cscript%3Ealert(1)%3C/script%3E");
    CHECK(a.status == 400);
    CHECK(!has(a, "<script>"));
    CHECK(has(a, "&lt;script&gt;alert(1)&lt;/script&gt;"));
    Response b = f.get("/setup", "emailaddress=%22%3E%3Cimg%20src=x%3E%40example.com");
    CHECK(!has(b, "<img"));
    Response c = f.get("/setup",
                       "emailaddress=jane%40example.com&name=%3C/title%3E%3Cscript%3Ex%3C/"
                       "script%3E%22%27");
    CHECK(c.status == 200);
    CHECK(!has(c, "<script>"));
    CHECK(has(c, "&amp;name=%3C%2Ftitle%3E%3Cscript%3Ex%3C%2Fscript%3E%22%27\""));
    Response e = f.get("/setup",
                       "emailaddress=jane%40unknown.example&name=%3C/title%3E%3Cscript%3Ex%3C/"
                       "script%3E%22%27");
    CHECK(e.status == 404);
    CHECK(has(e, "value=\"&lt;/title&gt;&lt;script&gt;x&lt;/script&gt;&quot;&apos;\""));
    Response d = f.get("/setup", "emailaddress=%7B%7Bcontent%7D%7D%7Baddress%7D%40example.com");
    CHECK(has(d, "{{content}}{address}"));  // never expanded as a template field
}

TEST_CASE("the language follows ?lang=, then Accept-Language, else English", "[setup]") {
    using pages::Lang;
    CHECK(pages::language_from_header("") == Lang::en);
    CHECK(pages::language_from_header("de-DE,de;q=0.9,en;q=0.8") == Lang::de);
    CHECK(pages::language_from_header("en-US,en;q=0.9,de;q=0.8") == Lang::en);
    CHECK(pages::language_from_header("fr-FR, de;q=0.5, en;q=0.4") == Lang::de);
    CHECK(pages::language_from_header("fr, en;q=0.1, DE-at;q=0.2") == Lang::de);
    CHECK(pages::language_from_header("de;q=0, en;q=0.1") == Lang::en);
    CHECK(pages::language_from_header("de;q=bogus") == Lang::en);
    CHECK(pages::language_from_header("de;q=1.5") == Lang::en);
    CHECK(pages::language_from_header("*;q=0.9, de;q=0.8") == Lang::en);
    CHECK(pages::language_from_header(std::string(5000, ',') + "de") == Lang::en);  // bounded

    Fixture f;
    Response de = f.get("/setup", "emailaddress=jane%40example.com", "de-DE,de;q=0.9");
    CHECK(has(de, "<html lang=\"de\">"));
    CHECK(has(de, "<caption>Posteingang (IMAP)</caption>"));
    CHECK(has(de, "<td>Passwort, normal</td>"));
    CHECK(header(de, "Vary") == "Accept-Language");
    Response en = f.get("/setup", "emailaddress=jane%40example.com&lang=en", "de");
    CHECK(has(en, "<html lang=\"en\">"));
    CHECK(has(en, "href=\"/setup?emailaddress=jane@example.com&amp;lang=de\""));
    CHECK(has(f.get("/", "lang=de"), "E-Mail-Adresse"));
    CHECK(has(f.get("/setup", "lang=xx", "de"), "<html lang=\"de\">"));
}

TEST_CASE("every text exists in both languages", "[setup]") {
    for (int i = 0; i < static_cast<int>(pages::Text::count_); ++i) {
        auto which = static_cast<pages::Text>(i);
        INFO(i);
        CHECK(!pages::text(which, pages::Lang::en).empty());
        CHECK(!pages::text(which, pages::Lang::de).empty());
    }
}

TEST_CASE("fill replaces each field once and never rescans", "[setup]") {
    CHECK(pages::fill("a{{x}}b{{y}}c{{z}}", {{"x", "{{y}}"}, {"y", "2"}}) == "a{{y}}b2c{{z}}");
    CHECK(pages::fill("{a} {b", {{"a", "1"}}, "{", "}") == "1 {b");
}

TEST_CASE("the CGI layer passes Accept-Language, and SERVER_PORT only without proxies", "[setup]") {
    std::map<std::string, std::string> vars{{"HTTP_ACCEPT_LANGUAGE", "de-DE,de;q=0.9"},
                                            {"SERVER_PORT", "8080"},
                                            {"HTTP_HOST", "autoconfig.example.com"}};
    auto lookup = [&](const char* name) -> std::string_view {
        auto found = vars.find(name);
        return found == vars.end() ? std::string_view{} : std::string_view(found->second);
    };
    Config direct;
    Request request = make_request(lookup, direct);
    CHECK(request.accept_language == "de-DE,de;q=0.9");
    CHECK(request.server_port == "8080");
    Config behind;
    behind.proxy_count = 1;
    CHECK(make_request(lookup, behind).server_port.empty());
}
