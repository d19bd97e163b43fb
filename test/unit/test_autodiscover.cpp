#include <libxml/parser.h>
#include <libxml/tree.h>

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "core/builders/autodiscover.h"
#include "core/builders/xml.h"
#include "core/errors.h"
#include "test/unit/golden_support.h"
#include "test/unit/xml_support.h"

using namespace automx2;
using namespace automx2::test;

namespace {

std::vector<std::string> names(xmlNode* parent) {
    std::vector<std::string> out;
    for (xmlNode* n : elements(parent)) {
        out.push_back(name(n));
    }
    return out;
}

// Child name → text, for elements that occur once.
std::string child_text(xmlNode* parent, const std::string& child) {
    for (xmlNode* n : elements(parent)) {
        if (name(n) == child) {
            return text(n);
        }
    }
    return "<absent>";
}

MailServer server(long id, ServerType type, std::string host, int port, std::string socket,
                  Authentication auth = Authentication::cleartext) {
    MailServer s;
    s.id = id;
    s.type = type;
    s.name = std::move(host);
    s.port = port;
    s.socket_type = std::move(socket);
    s.user_name = "%EMAILADDRESS%";
    s.authentication = auth;
    return s;
}

DavServer dav(long id, DavType type, std::string url, int port, bool ssl,
              std::optional<std::string> user) {
    DavServer d;
    d.id = id;
    d.type = type;
    d.url = std::move(url);
    d.port = port;
    d.use_ssl = ssl;
    d.domain_required = !ssl;
    d.user_name = std::move(user);
    return d;
}

DomainSettings settings() {
    DomainSettings s;
    s.provider_id = 1;
    s.provider_name = "Example";
    s.provider_short_name = "Ex";
    s.domain = "example.com";
    s.provider_domains = {"example.com"};
    s.servers = {server(2, ServerType::imap, "imap.%EMAILDOMAIN%", 993, "SSL"),
                 server(1, ServerType::smtp, "smtp.example.com", 587, "STARTTLS"),
                 server(3, ServerType::pop, "pop.example.com", 110, "plain")};
    s.servers[2].user_name = "%EMAILLOCALPART%";
    s.dav_servers = {
        dav(5, DavType::caldav, "https://dav.example.com/cal/%EMAILADDRESS%/", 443, true,
            std::string("%EMAILADDRESS%")),
        dav(6, DavType::carddav, "http://dav.example.com:8080/card/", 0, false, std::nullopt)};
    return s;
}

const Address kAlice{"alice", "example.com"};

xmlNode* account_of(xmlDoc* doc) {
    xmlNode* root = xmlDocGetRootElement(doc);
    xmlNode* response = elements(root).at(0);
    for (xmlNode* n : elements(response)) {
        if (name(n) == "Account") {
            return n;
        }
    }
    FAIL("no Account");
    return nullptr;
}

std::vector<xmlNode*> protocols(xmlDoc* doc) {
    std::vector<xmlNode*> out;
    for (xmlNode* n : elements(account_of(doc))) {
        if (name(n) == "Protocol") {
            out.push_back(n);
        }
    }
    return out;
}

std::string spa_for(Authentication a, ServerType type) {
    DomainSettings s = settings();
    s.servers = {server(1, type, "mail.example.com", 993, "SSL", a)};
    s.dav_servers.clear();
    Doc doc = parse(build_autodiscover(s, kAlice));
    return child_text(protocols(doc.get()).at(0), "SPA");
}

std::string request(const std::string& inner, const std::string& ns_attr =
                                                  " xmlns=\"http://schemas.microsoft.com/"
                                                  "exchange/autodiscover/outlook/"
                                                  "requestschema/2006\"") {
    return "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Autodiscover" + ns_attr + "><Request>" +
           inner + "</Request></Autodiscover>";
}

const std::string kOutlookSchema =
    "<AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/"
    "responseschema/2006a</AcceptableResponseSchema>";
const std::string kMobilesyncSchema =
    "<AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/mobilesync/"
    "responseschema/2006</AcceptableResponseSchema>";

}  // namespace

TEST_CASE("autodiscover: the sample data's documents, byte for byte", "[autodiscover][golden]") {
    SampleData sample;
    check_golden("autodiscover.xml",
                 build_autodiscover(sample.resolve(kSampleAlice), kSampleAlice));
    SampleData with_directory(true);
    check_golden("autodiscover-ldap.xml",
                 build_autodiscover(with_directory.resolve(kSampleJane), kSampleJane));
}

TEST_CASE("autodiscover: the display name is written as given, never expanded", "[autodiscover]") {
    DomainSettings s = settings();
    s.display_name = "Alice %EMAILADDRESS% <Liddell>";
    Doc doc = parse(build_autodiscover(s, kAlice));
    xmlNode* response = elements(xmlDocGetRootElement(doc.get()))[0];
    REQUIRE(names(response) == std::vector<std::string>{"User", "Account"});
    CHECK(child_text(elements(response)[0], "DisplayName") == "Alice %EMAILADDRESS% <Liddell>");
}

TEST_CASE("autodiscover: servers in the given order, placeholders expanded", "[autodiscover]") {
    Doc doc = parse(build_autodiscover(settings(), kAlice));
    auto p = protocols(doc.get());
    REQUIRE(p.size() == 5);
    CHECK(child_text(p[0], "Type") == "IMAP");
    CHECK(child_text(p[0], "Server") == "imap.example.com");
    CHECK(child_text(p[0], "LoginName") == "alice@example.com");
    CHECK(child_text(p[1], "Type") == "SMTP");
    CHECK(child_text(p[2], "Type") == "POP3");
    CHECK(child_text(p[2], "LoginName") == "alice");
    CHECK(child_text(p[3], "Server") == "https://dav.example.com/cal/alice@example.com/");
    CHECK(child_text(p[3], "LoginName") == "alice@example.com");
}

TEST_CASE("autodiscover: placeholders expanded once, never the requester's text",
          "[autodiscover]") {
    DomainSettings s = settings();
    s.servers.resize(1);
    s.servers[0].user_name = "%EMAILLOCALPART%";
    const Address tricky{"%EMAILDOMAIN%", "example.com"};
    Doc doc = parse(build_autodiscover(s, tricky));
    CHECK(child_text(protocols(doc.get())[0], "LoginName") == "%EMAILDOMAIN%");
}

TEST_CASE("autodiscover: Encryption per socket type", "[autodiscover]") {
    auto render = [](const std::string& socket) {
        DomainSettings s = settings();
        s.servers = {server(1, ServerType::imap, "imap.example.com", 143, socket)};
        s.dav_servers.clear();
        Doc doc = parse(build_autodiscover(s, kAlice));
        xmlNode* p = protocols(doc.get()).at(0);
        return child_text(p, "SSL") + "/" + child_text(p, "Encryption");
    };
    CHECK(render("SSL") == "on/SSL");
    CHECK(render("ssl") == "on/SSL");
    CHECK(render("STARTTLS") == "on/TLS");
    CHECK(render("starttls") == "on/TLS");
    CHECK(render("Auto") == "off/Auto");
    CHECK(render("AUTO") == "off/Auto");
    CHECK(render("None") == "off/None");
    CHECK(render("none") == "off/None");
    CHECK(render("plain") == "off/<absent>");
    CHECK(render("") == "off/<absent>");
}

TEST_CASE("autodiscover: SPA for every authentication and protocol", "[autodiscover]") {
    for (ServerType type : {ServerType::imap, ServerType::pop, ServerType::smtp}) {
        CHECK(spa_for(Authentication::cleartext, type) == "off");
        CHECK(spa_for(Authentication::encrypted, type) == "on");
        CHECK(spa_for(Authentication::ntlm, type) == "on");
        CHECK(spa_for(Authentication::gssapi, type) == "on");
        CHECK(spa_for(Authentication::oauth2, type) == "off");
        CHECK(spa_for(Authentication::client_ip, type) == "off");
        CHECK(spa_for(Authentication::none, type) == "off");
    }
}

TEST_CASE("autodiscover: DAV port 0 and no user name are left out", "[autodiscover]") {
    Doc doc = parse(build_autodiscover(settings(), kAlice));
    auto p = protocols(doc.get());
    REQUIRE(p.size() == 5);
    // No SPA on DAV entries either.
    CHECK(names(p[3]) ==
          std::vector<std::string>{"Type", "Server", "Port", "SSL", "DomainRequired", "LoginName"});
    CHECK(names(p[4]) == std::vector<std::string>{"Type", "Server", "SSL", "DomainRequired"});
    CHECK(child_text(p[4], "SSL") == "off");
    CHECK(child_text(p[4], "DomainRequired") == "on");
}

TEST_CASE("autodiscover: a DAV user name that is empty is left out", "[autodiscover]") {
    DomainSettings s = settings();
    s.servers.clear();
    s.dav_servers.resize(1);
    s.dav_servers[0].user_name = "";
    Doc doc = parse(build_autodiscover(s, kAlice));
    CHECK(child_text(protocols(doc.get()).at(0), "LoginName") == "<absent>");
}

TEST_CASE("autodiscover: error 601, byte for byte but its time and id", "[autodiscover][golden]") {
    const std::string out = build_autodiscover_error_601();
    const std::string normalised = normalise_error_601(out);
    // Time hh:mm:ss.ffffff and a positive Id, or nothing was replaced.
    CHECK(normalised != out);
    check_golden("autodiscover-601.xml", normalised);
    CHECK(normalise_error_601(build_autodiscover_error_601()) == normalised);
}

TEST_CASE("autodiscover request: Outlook's namespaced request", "[autodiscover][request]") {
    auto r = parse_autodiscover_request(
        request("<EMailAddress>alice@example.com</EMailAddress>" + kOutlookSchema));
    CHECK(r.email_address == "alice@example.com");
    CHECK_FALSE(r.mobilesync_only);
}

TEST_CASE("autodiscover request: namespace-less or another namespace", "[autodiscover][request]") {
    auto r =
        parse_autodiscover_request(request("<EMailAddress>bob@example.org</EMailAddress>", ""));
    CHECK(r.email_address == "bob@example.org");
    CHECK_FALSE(r.mobilesync_only);

    r = parse_autodiscover_request(
        "<a:Autodiscover xmlns:a=\"urn:x\"><b:Request xmlns:b=\"urn:y\">"
        "<b:EMailAddress>carol@example.net</b:EMailAddress></b:Request></a:Autodiscover>");
    CHECK(r.email_address == "carol@example.net");
}

TEST_CASE("autodiscover request: text is trimmed", "[autodiscover][request]") {
    auto r = parse_autodiscover_request(
        request("<EMailAddress>\n\t  alice@example.com \r\n</EMailAddress>"));
    CHECK(r.email_address == "alice@example.com");
}

TEST_CASE("autodiscover request: mobilesync-only schema", "[autodiscover][request]") {
    auto r = parse_autodiscover_request(
        request("<EMailAddress>a@example.com</EMailAddress>" + kMobilesyncSchema,
                " xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/mobilesync/"
                "requestschema/2006\""));
    CHECK(r.email_address == "a@example.com");
    CHECK(r.mobilesync_only);

    r = parse_autodiscover_request(
        request("<EMailAddress>a@example.com</EMailAddress>" + kMobilesyncSchema + kOutlookSchema));
    CHECK_FALSE(r.mobilesync_only);

    r = parse_autodiscover_request(request("<EMailAddress>a@example.com</EMailAddress>"));
    CHECK_FALSE(r.mobilesync_only);
}

TEST_CASE("autodiscover request: bad requests", "[autodiscover][request]") {
    CHECK_THROWS_AS(parse_autodiscover_request(request("")), BadRequest);
    CHECK_THROWS_AS(parse_autodiscover_request(request("<EMailAddress/>")), BadRequest);
    CHECK_THROWS_AS(parse_autodiscover_request(request("<EMailAddress>  </EMailAddress>")),
                    BadRequest);
    CHECK_THROWS_AS(parse_autodiscover_request("<Autodiscover><EMailAddress>a@b.c</EMailAddress>"
                                               "</Autodiscover>"),
                    BadRequest);
    CHECK_THROWS_AS(parse_autodiscover_request(
                        "<Other><Request><EMailAddress>a@b.c</EMailAddress></Request></Other>"),
                    BadRequest);
    // Malformed XML.
    CHECK_THROWS_AS(parse_autodiscover_request("<Autodiscover><Request><EMailAddress>a@b.c"),
                    BadRequest);
    CHECK_THROWS_AS(parse_autodiscover_request("not xml at all"), BadRequest);
    CHECK_THROWS_AS(parse_autodiscover_request(""), BadRequest);
}

TEST_CASE("autodiscover request: DOCTYPE and entities are refused", "[autodiscover][request]") {
    const std::string xxe =
        "<?xml version=\"1.0\"?>\n<!DOCTYPE Autodiscover [<!ENTITY x SYSTEM "
        "\"file:///etc/passwd\">]>\n<Autodiscover><Request><EMailAddress>&x;</EMailAddress>"
        "</Request></Autodiscover>";
    CHECK_THROWS_AS(parse_autodiscover_request(xxe), BadRequest);
    const std::string lower =
        "<!doctype Autodiscover><Autodiscover><Request><EMailAddress>a@b.c</EMailAddress>"
        "</Request></Autodiscover>";
    CHECK_THROWS_AS(parse_autodiscover_request(lower), BadRequest);
    CHECK_THROWS_AS(
        parse_autodiscover_request(request("<EMailAddress>a@b.c</EMailAddress><!ENTITY x \"y\">")),
        BadRequest);
    // UTF-16 would hide a DOCTYPE from the textual check: refused as well.
    const std::string utf16("<\0A\0/\0>\0", 8);
    CHECK_THROWS_AS(parse_autodiscover_request(utf16), BadRequest);
}

TEST_CASE("xml::parse_untrusted", "[xml]") {
    CHECK(xml::parse_untrusted("<a><b>x</b></a>"));
    CHECK_FALSE(xml::parse_untrusted("<a><b>x</a>"));
    CHECK_FALSE(xml::parse_untrusted("<!DOCTYPE a><a/>"));
    CHECK_FALSE(xml::parse_untrusted("<!DocType a SYSTEM \"http://example.com/a.dtd\"><a/>"));
    CHECK_FALSE(xml::parse_untrusted(""));
    // Entity references without a DTD are not well-formed.
    CHECK_FALSE(xml::parse_untrusted("<a>&x;</a>"));
    auto doc = xml::parse_untrusted("<a>&lt;&amp;</a>");
    REQUIRE(doc);
    CHECK(xml::text(xmlDocGetRootElement(doc.get())) == "<&");
}

TEST_CASE("xml helpers find by local name", "[xml]") {
    auto doc = xml::parse_untrusted(
        "<r xmlns=\"urn:a\"><x:p xmlns:x=\"urn:b\"><q>1</q><q>2</q></x:p><s><t>3</t></s></r>");
    REQUIRE(doc);
    xmlNode* root = xmlDocGetRootElement(doc.get());
    xmlNode* p = xml::first_child(root, "p");
    REQUIRE(p != nullptr);
    CHECK(xml::text(xml::first_child(p, "q")) == "1");
    CHECK(xml::first_child(root, "q") == nullptr);
    CHECK(xml::text(xml::find_element(root, "t")) == "3");
    CHECK(xml::find_element(root, "r") == root);
    CHECK(xml::find_element(root, "missing") == nullptr);
    CHECK(xml::text(nullptr).empty());
}
