#include <libxml/parser.h>
#include <libxml/tree.h>

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/builders/mobileconfig.h"
#include "core/errors.h"
#include "core/log.h"
#include "test/unit/golden_support.h"
#include "test/unit/xml_support.h"

using namespace automx2;
using namespace automx2::test;

namespace {

// A plist dict as (key, value element) pairs, in document order; checks the pairing.
std::vector<std::pair<std::string, xmlNode*>> entries(xmlNode* dict) {
    REQUIRE(name(dict) == "dict");
    auto children = elements(dict);
    REQUIRE(children.size() % 2 == 0);
    std::vector<std::pair<std::string, xmlNode*>> out;
    for (std::size_t i = 0; i < children.size(); i += 2) {
        REQUIRE(name(children[i]) == "key");
        out.emplace_back(text(children[i]), children[i + 1]);
    }
    return out;
}

std::vector<std::string> keys(xmlNode* dict) {
    std::vector<std::string> out;
    for (auto& [key, value] : entries(dict)) {
        out.push_back(key);
    }
    return out;
}

xmlNode* value(xmlNode* dict, const std::string& key) {
    for (auto& [k, v] : entries(dict)) {
        if (k == key) {
            return v;
        }
    }
    return nullptr;
}

// "string:text", "integer:993", "true", "false" or "<absent>".
std::string typed(xmlNode* dict, const std::string& key) {
    xmlNode* v = value(dict, key);
    if (v == nullptr) {
        return "<absent>";
    }
    if (name(v) == "true" || name(v) == "false") {
        CHECK(v->children == nullptr);
        return name(v);
    }
    return name(v) + ":" + text(v);
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
    d.domain_required = true;
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
    s.servers = {server(1, ServerType::smtp, "smtp.%EMAILDOMAIN%", 587, "STARTTLS"),
                 server(2, ServerType::imap, "imap.example.com", 993, "SSL"),
                 server(3, ServerType::pop, "pop.example.com", 995, "SSL")};
    s.servers[1].user_name = "%EMAILLOCALPART%";
    s.dav_servers = {
        dav(5, DavType::caldav, "https://cal.example.com/dav/%EMAILADDRESS%/", 0, true,
            std::string("%EMAILADDRESS%")),
        dav(6, DavType::carddav, "http://card.example.com:8008/card/", 0, false, std::nullopt)};
    return s;
}

MobileconfigRequest alice() {
    MobileconfigRequest r;
    r.address = {"alice", "example.com"};
    return r;
}

xmlNode* root_dict(xmlDoc* doc) {
    xmlNode* plist = xmlDocGetRootElement(doc);
    REQUIRE(name(plist) == "plist");
    auto children = elements(plist);
    REQUIRE(children.size() == 1);
    return children[0];
}

std::vector<xmlNode*> payloads(xmlDoc* doc) {
    xmlNode* content = value(root_dict(doc), "PayloadContent");
    REQUIRE(content != nullptr);
    REQUIRE(name(content) == "array");
    return elements(content);
}

const std::string kProfileUuid = "59AF6DE3-BEE8-5EFD-8553-A45B3A7E0F3C";
}  // namespace

TEST_CASE("name_based_uuid: RFC 4122 version 5 known answers", "[mobileconfig]") {
    // Expected values computed independently with Python's uuid.uuid5(NAMESPACE_URL, …).
    CHECK(name_based_uuid("x") == "4CD605E7-AFA2-5360-B5B9-C5E9FB5C76F4");
    CHECK(name_based_uuid("") == "1B4DB7EB-4057-5DDF-91E0-36DEC72071F5");
    CHECK(name_based_uuid("automx2-fcgi:alice@example.com:profile") == kProfileUuid);
    CHECK(name_based_uuid("automx2-fcgi:bob@example.com:profile") ==
          "C1BFAD5C-EAA7-597F-B90C-D7C66ACBD883");
}

TEST_CASE("mobileconfig: the sample data's profiles, byte for byte", "[mobileconfig][golden]") {
    SampleData sample;
    check_golden("mobileconfig.plist",
                 build_mobileconfig(sample.resolve(kSampleAlice), {kSampleAlice, {}, {}}));
    // As handle_mobileconfig does: the directory's cn is the account name.
    SampleData with_directory(true);
    const DomainSettings jane = with_directory.resolve(kSampleJane);
    check_golden("mobileconfig-ldap.plist",
                 build_mobileconfig(jane, {kSampleJane, jane.display_name, {}}));
}

TEST_CASE("mobileconfig: account name and password", "[mobileconfig]") {
    MobileconfigRequest r = alice();
    r.account_name = "Alice %EMAILADDRESS%";
    r.password = "s3cret<&>";
    Doc doc = parse(build_mobileconfig(settings(), r));
    xmlNode* mail = payloads(doc.get()).at(0);
    CHECK(typed(mail, "EmailAccountName") == "string:Alice %EMAILADDRESS%");
    CHECK(typed(mail, "IncomingPassword") == "string:s3cret<&>");
    auto k = keys(mail);
    CHECK(std::find(k.begin(), k.end(), "IncomingPassword") - k.begin() ==
          std::find(k.begin(), k.end(), "IncomingMailServerUsername") - k.begin() + 1);
    CHECK(std::find(k.begin(), k.end(), "EmailAccountName") - k.begin() == 1);
    auto dav = payloads(doc.get());
    CHECK(typed(dav.at(1), "CalDAVPassword") == "string:s3cret<&>");
    CHECK(typed(dav.at(2), "CardDAVPassword") == "string:s3cret<&>");

    // The LDAP cn wins over ?name=.
    DomainSettings s = settings();
    s.display_name = "Alice Liddell";
    Doc ldap = parse(build_mobileconfig(s, r));
    CHECK(typed(payloads(ldap.get()).at(0), "EmailAccountName") == "string:Alice Liddell");
}

TEST_CASE("mobileconfig: no password, no name: keys omitted", "[mobileconfig]") {
    Doc doc = parse(build_mobileconfig(settings(), alice()));
    auto p = payloads(doc.get());
    CHECK(typed(p.at(0), "EmailAccountName") == "<absent>");
    CHECK(typed(p.at(0), "IncomingPassword") == "<absent>");
    CHECK(typed(p.at(1), "CalDAVPassword") == "<absent>");
    CHECK(typed(p.at(2), "CardDAVPassword") == "<absent>");
}

TEST_CASE("mobileconfig: DAV port column, url port, user info and IPv6 hosts", "[mobileconfig]") {
    auto render = [](std::string url, int port) {
        DomainSettings s = settings();
        s.dav_servers = {dav(5, DavType::caldav, std::move(url), port, true, std::nullopt)};
        Doc doc = parse(build_mobileconfig(s, alice()));
        xmlNode* cal = payloads(doc.get()).at(1);
        return typed(cal, "CalDAVHostName") + "|" + typed(cal, "CalDAVPort");
    };
    CHECK(render("https://cal.example.com:8443/x", 443) == "string:cal.example.com|integer:443");
    CHECK(render("https://cal.example.com:8443/x", 0) == "string:cal.example.com|integer:8443");
    CHECK(render("https://cal.example.com/x", 0) == "string:cal.example.com|<absent>");
    CHECK(render("https://u:p@cal.example.com:81", -1) == "string:cal.example.com|integer:81");
    CHECK(render("https://[2001:db8::1]:8443/", 0) == "string:2001:db8::1|integer:8443");
    CHECK(render("https://cal.example.com:http/", 0) == "string:cal.example.com|<absent>");
    CHECK(render("not a url", 0) == "<absent>|<absent>");
}

TEST_CASE("mobileconfig: POP when there is no IMAP server", "[mobileconfig]") {
    DomainSettings s = settings();
    s.servers.erase(s.servers.begin() + 1);  // the IMAP server
    Doc doc = parse(build_mobileconfig(s, alice()));
    xmlNode* mail = payloads(doc.get()).at(0);
    CHECK(typed(mail, "EmailAccountType") == "string:EmailTypePOP");
    CHECK(typed(mail, "IncomingMailServerHostName") == "string:pop.example.com");
    CHECK(typed(mail, "IncomingMailServerPortNumber") == "integer:995");
}

TEST_CASE("mobileconfig: authentication for every value, incoming and outgoing", "[mobileconfig]") {
    auto render = [](Authentication a) {
        DomainSettings s = settings();
        s.servers[0].authentication = a;  // smtp
        s.servers[1].authentication = a;  // imap
        Doc doc = parse(build_mobileconfig(s, alice()));
        xmlNode* mail = payloads(doc.get()).at(0);
        std::string in = typed(mail, "IncomingMailServerAuthentication");
        CHECK(in == typed(mail, "OutgoingMailServerAuthentication"));
        return in;
    };
    // The fallbacks log a warning each; keep the test output readable.
    log::set_level(log::Level::error);
    CHECK(render(Authentication::cleartext) == "string:EmailAuthPassword");
    CHECK(render(Authentication::encrypted) == "string:EmailAuthPassword");
    CHECK(render(Authentication::ntlm) == "string:EmailAuthNTLM");
    CHECK(render(Authentication::gssapi) == "string:EmailAuthPassword");
    CHECK(render(Authentication::oauth2) == "string:EmailAuthPassword");
    CHECK(render(Authentication::client_ip) == "string:EmailAuthNone");
    CHECK(render(Authentication::none) == "string:EmailAuthNone");
    log::set_level(log::Level::warning);
}

TEST_CASE("mobileconfig: unencrypted servers say UseSSL false", "[mobileconfig]") {
    DomainSettings s = settings();
    s.servers[0].socket_type = "plain";
    s.servers[1].socket_type = "None";
    Doc doc = parse(build_mobileconfig(s, alice()));
    xmlNode* mail = payloads(doc.get()).at(0);
    CHECK(typed(mail, "IncomingMailServerUseSSL") == "false");
    CHECK(typed(mail, "OutgoingMailServerUseSSL") == "false");
}

TEST_CASE("mobileconfig: identifiers are stable per address", "[mobileconfig]") {
    CHECK(build_mobileconfig(settings(), alice()) == build_mobileconfig(settings(), alice()));
    MobileconfigRequest bob = alice();
    bob.address.local = "bob";
    Doc doc = parse(build_mobileconfig(settings(), bob));
    CHECK(typed(root_dict(doc.get()), "PayloadUUID") ==
          "string:C1BFAD5C-EAA7-597F-B90C-D7C66ACBD883");
}

TEST_CASE("mobileconfig: missing servers are bad requests", "[mobileconfig]") {
    DomainSettings s = settings();
    s.servers.clear();
    CHECK_THROWS_AS(build_mobileconfig(s, alice()), BadRequest);

    s = settings();
    s.servers.erase(s.servers.begin());  // no SMTP
    CHECK_THROWS_AS(build_mobileconfig(s, alice()), BadRequest);

    s = settings();
    s.servers.erase(s.servers.begin() + 1, s.servers.end());  // SMTP only
    CHECK_THROWS_AS(build_mobileconfig(s, alice()), BadRequest);
}

TEST_CASE("choose_server", "[mobileconfig]") {
    std::vector<MailServer> v;
    CHECK(choose_server(v, ServerType::imap) == nullptr);

    v = {server(1, ServerType::smtp, "s", 25, "plain"),
         server(2, ServerType::imap, "a", 993, "SSL"),
         server(3, ServerType::imap, "b", 143, "STARTTLS")};
    CHECK(choose_server(v, ServerType::pop) == nullptr);
    // First by prio when it is encrypted.
    CHECK(choose_server(v, ServerType::imap) == &v[1]);
    CHECK(choose_server(v, ServerType::smtp) == &v[0]);

    // A later encrypted one replaces an unencrypted first choice.
    v = {server(1, ServerType::imap, "a", 143, "plain"),
         server(2, ServerType::imap, "b", 143, "None"),
         server(3, ServerType::imap, "c", 143, "starttls"),
         server(4, ServerType::imap, "d", 993, "SSL")};
    CHECK(choose_server(v, ServerType::imap) == &v[2]);

    // All unencrypted: the first.
    v = {server(1, ServerType::smtp, "a", 25, "plain"),
         server(2, ServerType::smtp, "b", 25, "None")};
    CHECK(choose_server(v, ServerType::smtp) == &v[0]);
}
