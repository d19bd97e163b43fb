#include <libxml/parser.h>
#include <libxml/tree.h>

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/builders/autoconfig.h"
#include "test/unit/golden_support.h"
#include "test/unit/xml_support.h"

using namespace automx2;
using namespace automx2::test;

namespace {

std::vector<std::string> names(xmlNode* parent) {
    std::vector<std::string> out;
    for (xmlNode* n : elements(parent)) {
        out.emplace_back(reinterpret_cast<const char*>(n->name));
    }
    return out;
}

std::string attr(xmlNode* node, const char* name) {
    xmlChar* c = xmlGetProp(node, reinterpret_cast<const xmlChar*>(name));
    std::string s = c ? reinterpret_cast<const char*>(c) : "<absent>";
    xmlFree(c);
    return s;
}

MailServer server(long id, ServerType type, std::string name, int port, std::string socket,
                  Authentication auth = Authentication::cleartext) {
    MailServer s;
    s.id = id;
    s.type = type;
    s.name = std::move(name);
    s.port = port;
    s.socket_type = std::move(socket);
    s.user_name = "%EMAILADDRESS%";
    s.authentication = auth;
    return s;
}

DomainSettings settings() {
    DomainSettings s;
    s.provider_id = 42;
    s.provider_name = "Example <Mail> & Co";
    s.provider_short_name = "Example";
    s.domain = "example.com";
    s.provider_domains = {"example.com", "example.org"};
    s.servers = {server(3, ServerType::smtp, "smtp.%EMAILDOMAIN%", 587, "STARTTLS"),
                 server(1, ServerType::imap, "imap.example.com", 993, "SSL"),
                 server(2, ServerType::pop, "pop.example.com", 995, "SSL")};
    s.servers[1].user_name = "%EMAILLOCALPART%";
    return s;
}

// The server elements of emailProvider, in document order.
std::vector<xmlNode*> servers_of(xmlDoc* doc) {
    xmlNode* provider = elements(xmlDocGetRootElement(doc)).at(0);
    std::vector<xmlNode*> out;
    for (xmlNode* n : elements(provider)) {
        std::string name = reinterpret_cast<const char*>(n->name);
        if (name == "incomingServer" || name == "outgoingServer") {
            out.push_back(n);
        }
    }
    return out;
}

std::vector<std::string> authentications(const DomainSettings& s) {
    Doc doc = parse(build_autoconfig(s));
    std::vector<std::string> out;
    for (xmlNode* n : elements(servers_of(doc.get()).at(0))) {
        if (std::string(reinterpret_cast<const char*>(n->name)) == "authentication") {
            out.push_back(text(n));
        }
    }
    return out;
}

}  // namespace

TEST_CASE("autoconfig: the sample data's documents, byte for byte", "[autoconfig][golden]") {
    SampleData sample;
    check_golden("autoconfig.xml", build_autoconfig(sample.resolve(kSampleAlice)));
    SampleData with_directory(true);
    check_golden("autoconfig-ldap.xml", build_autoconfig(with_directory.resolve(kSampleJane)));
}

TEST_CASE("autoconfig: servers in the given order, placeholders left for Thunderbird",
          "[autoconfig]") {
    Doc doc = parse(build_autoconfig(settings()));
    auto servers = servers_of(doc.get());
    REQUIRE(servers.size() == 3);
    CHECK(name(servers[0]) == "outgoingServer");
    CHECK(attr(servers[0], "type") == "smtp");
    CHECK(attr(servers[1], "type") == "imap");
    CHECK(attr(servers[2], "type") == "pop3");
    CHECK(text(elements(servers[0])[0]) == "smtp.%EMAILDOMAIN%");
    CHECK(text(elements(servers[0])[3]) == "%EMAILADDRESS%");
    CHECK(text(elements(servers[1])[3]) == "%EMAILLOCALPART%");
}

TEST_CASE("autoconfig: markup in the provider name is escaped", "[autoconfig]") {
    const std::string out = build_autoconfig(settings());
    CHECK(out.find("<displayName>Example &lt;Mail&gt; &amp; Co</displayName>") !=
          std::string::npos);
    Doc doc = parse(out);
    CHECK(text(elements(elements(xmlDocGetRootElement(doc.get()))[0])[3]) == "Example <Mail> & Co");
}

TEST_CASE("autoconfig: the LDAP uid given by make_settings is the username", "[autoconfig]") {
    DomainSettings s = settings();
    for (auto& srv : s.servers) {
        srv.user_name = "jdoe";
    }
    Doc doc = parse(build_autoconfig(s));
    for (xmlNode* srv : servers_of(doc.get())) {
        CHECK(text(elements(srv)[3]) == "jdoe");
    }
}

TEST_CASE("autoconfig: every authentication in Thunderbird's words", "[autoconfig]") {
    using V = std::vector<std::string>;
    DomainSettings s = settings();
    s.servers.resize(1);
    auto with = [&](Authentication a) {
        s.servers[0].authentication = a;
        return authentications(s);
    };
    for (ServerType type : {ServerType::smtp, ServerType::imap, ServerType::pop}) {
        s.servers[0].type = type;
        CHECK(with(Authentication::cleartext) == V{"password-cleartext"});
        CHECK(with(Authentication::encrypted) == V{"password-encrypted"});
        CHECK(with(Authentication::ntlm) == V{"NTLM"});
        CHECK(with(Authentication::gssapi) == V{"GSSAPI"});
        CHECK(with(Authentication::oauth2) == V{"OAuth2", "password-cleartext"});
        CHECK(with(Authentication::client_ip) ==
              V{type == ServerType::smtp ? "client-IP-address" : "none"});
        CHECK(with(Authentication::none) == V{"none"});
    }
}

TEST_CASE("autoconfig: a provider without servers is still a valid document", "[autoconfig]") {
    DomainSettings s = settings();
    s.servers.clear();
    Doc doc = parse(build_autoconfig(s));
    CHECK(servers_of(doc.get()).empty());
    CHECK(names(elements(xmlDocGetRootElement(doc.get()))[0]) ==
          std::vector<std::string>{"identity", "domain", "domain", "displayName",
                                   "displayShortName"});
}

TEST_CASE("autoconfig: each call starts from a fresh skeleton", "[autoconfig]") {
    const std::string first = build_autoconfig(settings());
    const std::string second = build_autoconfig(settings());
    CHECK(first == second);
}

TEST_CASE("builders: concurrent use of the shared skeletons", "[autoconfig][threads]") {
    const std::string expected = build_autoconfig(settings());
    std::vector<int> mismatches(4, 0);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 200; ++i) {
                if (build_autoconfig(settings()) != expected) {
                    ++mismatches[t];
                }
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    CHECK(mismatches == std::vector<int>(4, 0));
}

TEST_CASE("autoconfig: cleartext only where a type has nothing encrypted", "[autoconfig]") {
    DomainSettings s = settings();
    s.servers = {server(1, ServerType::imap, "imap.example.com", 143, "plain"),
                 server(2, ServerType::imap, "imap.example.com", 143, "STARTTLS"),
                 server(3, ServerType::pop, "pop.example.com", 110, "PLAIN"),
                 server(4, ServerType::smtp, "smtp.example.com", 25, "None"),
                 server(5, ServerType::smtp, "smtp.example.com", 465, "ssl")};
    std::vector<long> ids;
    for (const MailServer* listed : autoconfig_servers(s))
        ids.push_back(listed->id);
    CHECK(ids == std::vector<long>{2, 3, 5});
    CHECK(cleartext_only_types(s) == std::vector<ServerType>{ServerType::pop});

    Doc doc = parse(build_autoconfig(s));
    auto servers = servers_of(doc.get());
    REQUIRE(servers.size() == 3);
    CHECK(text(elements(servers[0])[1]) == "143");
    CHECK(text(elements(servers[0])[2]) == "STARTTLS");
    CHECK(text(elements(servers[1])[2]) == "PLAIN");
    CHECK(text(elements(servers[2])[1]) == "465");
}
