// SPEC §16 data: the oauth2 and endpoint seed fields, and where the builders put them
// (Thunderbird's and Thunderbird for Android's parsing rules, MS-ASCMD, MS-OXDSCLI).
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "core/builders/autoconfig.h"
#include "core/builders/autodiscover.h"
#include "core/errors.h"
#include "core/seed.h"
#include "core/seed_protocols.h"
#include "test/unit/golden_support.h"
#include "test/unit/xml_support.h"

using namespace automx2;
using namespace automx2::test;
using Catch::Contains;

namespace {

std::string seed_with(const std::string& extra, const std::string& servers = "[]") {
    return R"({"version": 2, "provider": "Acme", "domains": [{"name": "a.example"}],
               "servers": [{"type": "imap", "name": "imap.a.example"})" +
           std::string(servers == "[]" ? "" : ", " + servers.substr(1, servers.size() - 2)) + "]" +
           extra + "}";
}

std::string oauth2(const std::string& members) {
    return R"(, "oauth2": {)" + members + "}";
}

// The message of the BadRequest parse_seed throws, or "" when it accepts the seed.
std::string refusal(const std::string& seed) {
    try {
        parse_seed(seed);
    } catch (const BadRequest& e) {
        return e.what();
    }
    return "";
}

std::vector<xmlNode*> children_named(xmlNode* parent, const std::string& wanted) {
    std::vector<xmlNode*> out;
    for (xmlNode* n : elements(parent)) {
        if (name(n) == wanted) {
            out.push_back(n);
        }
    }
    return out;
}

std::string child_text(xmlNode* parent, const std::string& wanted) {
    auto found = children_named(parent, wanted);
    return found.empty() ? "<absent>" : text(found.front());
}

std::vector<std::string> texts_of(xmlNode* parent, const std::string& wanted) {
    std::vector<std::string> out;
    for (xmlNode* n : children_named(parent, wanted)) {
        out.push_back(text(n));
    }
    return out;
}

std::string attr(xmlNode* node, const char* attribute) {
    xmlChar* c = xmlGetProp(node, reinterpret_cast<const xmlChar*>(attribute));
    std::string s = c ? reinterpret_cast<const char*>(c) : "<absent>";
    xmlFree(c);
    return s;
}

DomainSettings groupware() {
    DomainSettings s;
    s.provider_id = 7;
    s.provider_name = "Groupware";
    s.provider_short_name = "Groupware";
    s.domain = "g.example";
    s.provider_domains = {"g.example"};
    MailServer imap;
    imap.id = 1;
    imap.type = ServerType::imap;
    imap.name = "mail.g.example";
    imap.port = 993;
    imap.socket_type = "SSL";
    imap.user_name = "%EMAILADDRESS%";
    imap.authentication = Authentication::oauth2;
    MailServer smtp = imap;
    smtp.id = 2;
    smtp.type = ServerType::smtp;
    smtp.port = 465;
    s.servers = {imap, smtp};
    s.endpoints = {
        {1, EndpointType::activesync, "https://mail.g.example/Microsoft-Server-ActiveSync"},
        {2, EndpointType::ews, "https://mail.g.example/EWS/Exchange.asmx"},
        {3, EndpointType::jmap, "https://mail.g.example/jmap"}};
    s.oauth2 =
        OAuth2Settings{"https://login.g.example", "openid email", "https://login.g.example/auth",
                       "https://login.g.example/token", "client-1"};
    return s;
}

}  // namespace

TEST_CASE("seed: oauth2 and endpoints are read", "[seed][protocols]") {
    const Seed seed = parse_seed(seed_with(
        oauth2(R"("issuer": "https://login.a.example", "scope": "openid email",
                  "auth_url": "https://login.a.example/auth", "token_url": null,
                  "client_id": "thunderbird")"),
        R"([{"type": "ActiveSync", "url": "https://eas.a.example/Microsoft-Server-ActiveSync"},
            {"type": "ews", "url": "https://%EMAILDOMAIN%/EWS/Exchange.asmx"},
            {"type": "jmap", "url": "https://jmap.a.example:8443/session"}])"));
    const auto& p = seed.providers.at(0);
    REQUIRE(p.oauth2);
    CHECK(p.oauth2->issuer == "https://login.a.example");
    CHECK(p.oauth2->scope == "openid email");
    CHECK(p.oauth2->auth_url == std::optional<std::string>("https://login.a.example/auth"));
    CHECK_FALSE(p.oauth2->token_url);
    CHECK(p.oauth2->client_id == std::optional<std::string>("thunderbird"));
    REQUIRE(p.endpoints.size() == 3);
    CHECK(p.endpoints[0].type == "activesync");  // the vocabulary's spelling
    CHECK(p.endpoints[1].url == "https://%EMAILDOMAIN%/EWS/Exchange.asmx");
    CHECK(p.endpoints[2].type == "jmap");
    CHECK(p.servers.size() == 1);

    CHECK_FALSE(parse_seed(seed_with(R"(, "oauth2": null)")).providers[0].oauth2);
    CHECK(parse_seed(seed_with(oauth2(R"("issuer": "login.a.example", "scope": "mail")")))
              .providers[0]
              .oauth2->issuer == "login.a.example");
}

TEST_CASE("seed: hostile oauth2 fields are refused, naming the field", "[seed][protocols]") {
    const std::string scope = R"("scope": "mail")";
    const std::string issuer = R"("issuer": "https://login.a.example")";
    const struct {
        std::string seed;
        std::string message;
    } cases[] = {
        {seed_with(R"(, "oauth2": "login.a.example")"), "oauth2 must be an object or null"},
        {seed_with(R"(, "oauth2": [])"), "oauth2 must be an object or null"},
        {seed_with(oauth2(scope)), "missing mandatory key oauth2.issuer"},
        {seed_with(oauth2(issuer)), "missing mandatory key oauth2.scope"},
        {seed_with(oauth2(R"("issuer": 5, )" + scope)), "oauth2.issuer must be a string"},
        {seed_with(oauth2(R"("issuer": "", )" + scope)), "oauth2.issuer must not be empty"},
        {seed_with(oauth2(R"("issuer": "http://login.a.example", )" + scope)),
         "oauth2.issuer must be an https URL or a host name"},
        {seed_with(oauth2(R"x("issuer": "javascript:alert(1)", )x" + scope)),
         "oauth2.issuer must be an https URL or a host name"},
        {seed_with(oauth2(R"("issuer": "https://user:pw@login.a.example", )" + scope)),
         "oauth2.issuer must be an https URL or a host name"},
        {seed_with(oauth2(R"("issuer": "login a.example", )" + scope)),
         "oauth2.issuer must be an https URL or a host name"},
        {seed_with(oauth2(R"("issuer": "https://login.a.example/\u0000", )" + scope)),
         "oauth2.issuer contains a control character"},
        {seed_with(
             oauth2(R"("issuer": "https://)" + std::string(250, 'a') + R"(.example", )" + scope)),
         "oauth2.issuer is longer than 255 characters"},
        {seed_with(oauth2(issuer + R"(, "scope": "mail  imap")")), "oauth2.scope must be"},
        {seed_with(oauth2(issuer + R"(, "scope": " mail")")), "oauth2.scope must be"},
        {seed_with(oauth2(issuer + R"(, "scope": "mail\"")")), "oauth2.scope must be"},
        {seed_with(oauth2(issuer + R"(, "scope": "<b>")")), ""},  // scope tokens allow < and >
        {seed_with(oauth2(issuer + ", " + scope + R"(, "auth_url": "http://a.example/")")),
         "oauth2.auth_url must be an https URL"},
        {seed_with(oauth2(issuer + ", " + scope + R"(, "token_url": "https://%EMAILDOMAIN%/t")")),
         "oauth2.token_url must be an https URL"},
        {seed_with(oauth2(issuer + ", " + scope + R"(, "token_url": "https://a.example/<x>")")),
         "oauth2.token_url must be an https URL"},
        {seed_with(oauth2(issuer + ", " + scope + R"(, "auth_url": "https://a.example:0/")")),
         "oauth2.auth_url must be an https URL"},
        {seed_with(oauth2(issuer + ", " + scope + R"(, "client_id": "caf\u00e9")")),
         "oauth2.client_id must be printable ASCII"},
        {seed_with(oauth2(issuer + ", " + scope + R"(, "client_id": 3)")),
         "oauth2.client_id must be a string"},
        {R"({"provider": "Acme", "domains": ["a.example"], "servers": [{"type": "imap",
            "name": "i.a.example"}], "oauth2": null})",
         "oauth2 needs \"version\": 2"},
    };
    for (const auto& c : cases) {
        INFO(c.seed);
        if (c.message.empty()) {
            CHECK(refusal(c.seed).empty());
        } else {
            CHECK_THAT(refusal(c.seed), Contains(c.message));
        }
    }
}

TEST_CASE("seed: endpoint urls are https URLs", "[seed][protocols]") {
    const struct {
        std::string servers;
        std::string message;
    } cases[] = {
        {R"([{"type": "activesync"}])", "missing mandatory key servers[1].url"},
        {R"([{"type": "ews", "url": "http://a.example/EWS"}])",
         "servers[1].url must be an https URL"},
        {R"([{"type": "jmap", "url": "https://"}])", "servers[1].url must be an https URL"},
        {R"([{"type": "jmap", "url": "https://a.example/ x"}])",
         "servers[1].url must be an https URL"},
        {R"([{"type": "jmap", "url": "https://a.example/\"><x"}])",
         "servers[1].url must be an https URL"},
        {R"([{"type": "jmap", "url": "https://a_b.example/"}])",
         "servers[1].url must be an https URL"},
        {R"([{"type": "jmap", "url": ["https://a.example/"]}])", "servers[1].url must be a string"},
        {R"([{"type": "graph", "url": "https://a.example/"}])", "unknown server type \"graph\""},
    };
    for (const auto& c : cases) {
        INFO(c.servers);
        CHECK_THAT(refusal(seed_with("", c.servers)), Contains(c.message));
    }
    CHECK(is_https_url("https://[2001:db8::1]:8443/x?y=%41", false));
    CHECK_FALSE(is_https_url("https://a.example/%zz", false));
    CHECK_FALSE(is_https_url("HTTPS://a.example/\xc3\xa9", false));
    CHECK(is_https_url("https://%EMAILDOMAIN%/dav/%EMAILADDRESS%/", true));
}

TEST_CASE("autoconfig: oAuth2 where both Thunderbirds read it", "[autoconfig][protocols]") {
    DomainSettings s = groupware();
    Doc doc = parse(build_autoconfig(s));
    xmlNode* root = xmlDocGetRootElement(doc.get());
    CHECK(attr(root, "version") == "1.2");
    xmlNode* provider = children_named(root, "emailProvider").at(0);

    // Thunderbird for Android: inside emailProvider, authURL and tokenURL required.
    auto inner = children_named(provider, "oAuth2");
    REQUIRE(inner.size() == 1);
    CHECK(child_text(inner[0], "authURL") == "https://login.g.example/auth");
    CHECK(child_text(inner[0], "tokenURL") == "https://login.g.example/token");
    CHECK(texts_of(inner[0], "scope") == std::vector<std::string>{"openid email"});
    CHECK(child_text(inner[0], "issuer") == "https://login.g.example");
    CHECK(child_text(inner[0], "clientID") == "client-1");
    // draft -06: under clientConfig as well.
    auto outer = children_named(root, "oAuth2");
    REQUIRE(outer.size() == 1);
    CHECK(child_text(outer[0], "issuer") == "https://login.g.example");

    // OAuth2 first, then a password method a client without the issuer can use.
    for (const char* kind : {"incomingServer", "outgoingServer"}) {
        xmlNode* first = children_named(provider, kind).at(0);
        CHECK(texts_of(first, "authentication") ==
              std::vector<std::string>{"OAuth2", "password-cleartext"});
    }

    SECTION("without authURL or tokenURL only the draft's place") {
        s.oauth2->token_url.reset();
        Doc partial = parse(build_autoconfig(s));
        xmlNode* r = xmlDocGetRootElement(partial.get());
        CHECK(children_named(children_named(r, "emailProvider").at(0), "oAuth2").empty());
        auto o = children_named(r, "oAuth2");
        REQUIRE(o.size() == 1);
        CHECK(child_text(o[0], "tokenURL") == "<absent>");
        CHECK(child_text(o[0], "authURL") == "https://login.g.example/auth");
    }
}

TEST_CASE("autoconfig: URL endpoints after the mail servers, DAV under clientConfig",
          "[autoconfig][protocols]") {
    DomainSettings s = groupware();
    DavServer cal;
    cal.id = 1;
    cal.type = DavType::caldav;
    cal.url = "dav.g.example/cal/";
    cal.port = 8443;
    cal.use_ssl = true;
    DavServer card = cal;
    card.type = DavType::carddav;
    card.url = "https://dav.g.example:9443/card/";
    card.user_name = "%EMAILLOCALPART%";
    s.dav_servers = {cal, card};
    Doc doc = parse(build_autoconfig(s));
    xmlNode* root = xmlDocGetRootElement(doc.get());
    xmlNode* provider = children_named(root, "emailProvider").at(0);

    auto incoming = children_named(provider, "incomingServer");
    REQUIRE(incoming.size() == 4);
    CHECK(attr(incoming[0], "type") == "imap");  // still the first one clients meet
    const char* types[] = {"activesync", "ews", "jmap"};
    for (int i = 0; i < 3; ++i) {
        CHECK(attr(incoming[i + 1], "type") == types[i]);
        CHECK(child_text(incoming[i + 1], "url") == s.endpoints[i].url);
        CHECK(child_text(incoming[i + 1], "hostname") == "<absent>");
        CHECK(child_text(incoming[i + 1], "username") == "%EMAILADDRESS%");
        CHECK(texts_of(incoming[i + 1], "authentication") ==
              std::vector<std::string>{"OAuth2", "http-basic"});
    }
    auto calendars = children_named(root, "calendar");
    REQUIRE(calendars.size() == 1);
    CHECK(attr(calendars[0], "type") == "caldav");
    CHECK(child_text(calendars[0], "url") == "https://dav.g.example:8443/cal/");
    CHECK(child_text(calendars[0], "username") == "%EMAILADDRESS%");
    auto books = children_named(root, "addressbook");
    REQUIRE(books.size() == 1);
    CHECK(child_text(books[0], "url") == "https://dav.g.example:9443/card/");
    CHECK(child_text(books[0], "username") == "%EMAILLOCALPART%");

    SECTION("without OAuth2 settings the endpoints take the password only") {
        s.oauth2.reset();
        Doc plain = parse(build_autoconfig(s));
        xmlNode* p = children_named(xmlDocGetRootElement(plain.get()), "emailProvider").at(0);
        CHECK(texts_of(children_named(p, "incomingServer").at(1), "authentication") ==
              std::vector<std::string>{"http-basic"});
        CHECK(children_named(xmlDocGetRootElement(plain.get()), "oAuth2").empty());
    }
}

TEST_CASE("autoconfig: a domain without §16 data stays version 1.1", "[autoconfig][protocols]") {
    DomainSettings s = groupware();
    s.endpoints.clear();
    s.oauth2.reset();
    Doc doc = parse(build_autoconfig(s));
    CHECK(attr(xmlDocGetRootElement(doc.get()), "version") == "1.1");
    CHECK(children_named(xmlDocGetRootElement(doc.get()), "oAuth2").empty());
}

TEST_CASE("autodiscover: MobileSync gets the ActiveSync URL, Outlook the EWS URL",
          "[autodiscover][protocols]") {
    DomainSettings s = groupware();
    s.endpoints[0].url = "https://%EMAILDOMAIN%/Microsoft-Server-ActiveSync";
    const Address address{"Bob", "g.example"};
    const auto mobile = build_autodiscover_mobilesync(s, address);
    REQUIRE(mobile);
    Doc doc = parse(*mobile);
    xmlNode* response = elements(xmlDocGetRootElement(doc.get())).at(0);
    CHECK(name(response) == "Response");
    CHECK(std::string(reinterpret_cast<const char*>(response->ns->href)) ==
          "http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006");
    CHECK(child_text(children_named(response, "User").at(0), "EMailAddress") == "Bob@g.example");
    xmlNode* server =
        children_named(children_named(children_named(response, "Action").at(0), "Settings").at(0),
                       "Server")
            .at(0);
    CHECK(child_text(server, "Type") == "MobileSync");
    CHECK(child_text(server, "Url") == "https://g.example/Microsoft-Server-ActiveSync");
    CHECK(child_text(server, "Name") == "https://g.example/Microsoft-Server-ActiveSync");

    Doc outlook = parse(build_autodiscover(s, address));
    xmlNode* account =
        children_named(elements(xmlDocGetRootElement(outlook.get())).at(0), "Account").at(0);
    auto protocols = children_named(account, "Protocol");
    REQUIRE(protocols.size() == 3);
    CHECK(child_text(protocols[0], "Type") == "IMAP");
    CHECK(child_text(protocols[2], "Type") == "EXCH");
    CHECK(child_text(protocols[2], "EwsUrl") == "https://mail.g.example/EWS/Exchange.asmx");
    CHECK(child_text(protocols[2], "ASUrl") == "https://mail.g.example/EWS/Exchange.asmx");

    s.endpoints.clear();
    CHECK_FALSE(build_autodiscover_mobilesync(s, address));
    Doc without = parse(build_autodiscover(s, address));
    account = children_named(elements(xmlDocGetRootElement(without.get())).at(0), "Account").at(0);
    CHECK(children_named(account, "Protocol").size() == 2);
}

TEST_CASE("store: the sample groupware domain round-trips its §16 rows", "[store][protocols]") {
    SampleData sample;
    const DomainSettings s = sample.resolve(Address{"bob", "groupware.example"});
    REQUIRE(s.endpoints.size() == 3);
    CHECK(s.endpoints[0].type == EndpointType::activesync);
    CHECK(s.endpoints[1].type == EndpointType::ews);
    CHECK(s.endpoints[2].url == "https://mail.groupware.example/.well-known/jmap");
    REQUIRE(s.oauth2);
    CHECK(s.oauth2->issuer == "https://login.groupware.example");
    CHECK(s.oauth2->client_id == std::optional<std::string>("automx2-sample"));
    // The other sample domains have none.
    const DomainSettings alice = sample.resolve(kSampleAlice);
    CHECK(alice.endpoints.empty());
    CHECK_FALSE(alice.oauth2);
}
