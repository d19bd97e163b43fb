#include <catch2/catch.hpp>

#include "core/errors.h"
#include "core/settings.h"

using namespace automx2;

namespace {

MailServerRow mail_row(long id, int prio, std::string type, std::string authentication = "plain") {
    MailServerRow row;
    row.id = id;
    row.prio = prio;
    row.name = type + ".example.com";
    row.port = 993;
    row.type = std::move(type);
    row.socket_type = "SSL";
    row.user_name = "%EMAILADDRESS%";
    row.authentication = std::move(authentication);
    return row;
}

DomainRecord record() {
    DomainRecord r;
    r.domain_id = 3;
    r.domain = "Example.COM";
    r.provider = {7, "Example Provider", "Example"};
    r.provider_domains = {"example.com", "example.net"};
    r.servers = {mail_row(1, 10, "imap"), mail_row(2, 20, "smtp")};
    DavServerRow dav;
    dav.id = 4;
    dav.url = "https://dav.example.com/%EMAILADDRESS%/";
    dav.type = "CalDAV";
    dav.use_ssl = true;
    dav.domain_required = true;
    dav.user_name = "%EMAILLOCALPART%";
    r.dav_servers = {dav};
    return r;
}

}  // namespace

TEST_CASE("MailServer::encrypted is SSL or STARTTLS, any case", "[settings]") {
    MailServer server;
    for (const char* yes : {"SSL", "ssl", "STARTTLS", "StartTLS"}) {
        server.socket_type = yes;
        CHECK(server.encrypted());
    }
    for (const char* no : {"plain", "None", "Auto", "", "TLS"}) {
        server.socket_type = no;
        CHECK_FALSE(server.encrypted());
    }
}

TEST_CASE("make_settings copies and types the record", "[settings]") {
    const DomainSettings s = make_settings(record(), std::nullopt, std::nullopt);
    CHECK(s.provider_id == 7);
    CHECK(s.provider_name == "Example Provider");
    CHECK(s.provider_short_name == "Example");
    CHECK(s.domain == "example.com");
    CHECK(s.provider_domains == std::vector<std::string>{"example.com", "example.net"});
    CHECK_FALSE(s.display_name);
    REQUIRE(s.servers.size() == 2);
    CHECK(s.servers[0].id == 1);
    CHECK(s.servers[0].type == ServerType::imap);
    CHECK(s.servers[0].name == "imap.example.com");
    CHECK(s.servers[0].port == 993);
    CHECK(s.servers[0].socket_type == "SSL");
    CHECK(s.servers[0].user_name == "%EMAILADDRESS%");
    CHECK(s.servers[0].authentication == Authentication::cleartext);
    CHECK(s.servers[1].type == ServerType::smtp);
    REQUIRE(s.dav_servers.size() == 1);
    CHECK(s.dav_servers[0].id == 4);
    CHECK(s.dav_servers[0].type == DavType::caldav);
    CHECK(s.dav_servers[0].url == "https://dav.example.com/%EMAILADDRESS%/");
    CHECK(s.dav_servers[0].use_ssl);
    CHECK(s.dav_servers[0].domain_required);
    CHECK(s.dav_servers[0].user_name == std::optional<std::string>("%EMAILLOCALPART%"));
}

TEST_CASE("make_settings orders servers by prio, then id", "[settings]") {
    DomainRecord r = record();
    r.servers = {mail_row(5, 20, "imap"), mail_row(9, 10, "smtp"), mail_row(3, 20, "pop"),
                 mail_row(1, 30, "imap")};
    const DomainSettings s = make_settings(r, std::nullopt, std::nullopt);
    REQUIRE(s.servers.size() == 4);
    CHECK(s.servers[0].id == 9);
    CHECK(s.servers[1].id == 3);
    CHECK(s.servers[2].id == 5);
    CHECK(s.servers[3].id == 1);
}

TEST_CASE("make_settings: the LDAP uid replaces every user name", "[settings]") {
    DomainRecord r = record();
    r.dav_servers.push_back(r.dav_servers[0]);
    r.dav_servers[1].id = 5;
    r.dav_servers[1].user_name.reset();
    const DomainSettings s = make_settings(r, std::string("jdoe"), std::string("Jane Doe"));
    for (const auto& server : s.servers) {
        CHECK(server.user_name == "jdoe");
    }
    REQUIRE(s.dav_servers.size() == 2);
    CHECK(s.dav_servers[0].user_name == std::optional<std::string>("jdoe"));
    CHECK(s.dav_servers[1].user_name == std::optional<std::string>("jdoe"));
    CHECK(s.display_name == std::optional<std::string>("Jane Doe"));
}

TEST_CASE("make_settings: without uid a DAV server keeps its null user name", "[settings]") {
    DomainRecord r = record();
    r.dav_servers[0].user_name.reset();
    const DomainSettings s = make_settings(r, std::nullopt, std::nullopt);
    CHECK_FALSE(s.dav_servers[0].user_name);
}

TEST_CASE("make_settings refuses invalid rows, naming them", "[settings]") {
    DomainRecord r = record();
    r.servers.push_back(mail_row(7, 10, "exchange"));
    CHECK_THROWS_MATCHES(make_settings(r, std::nullopt, std::nullopt), BadData,
                         Catch::Message("server 7: unknown type 'exchange'"));

    r = record();
    r.servers.push_back(mail_row(8, 10, "imap", "kerberos"));
    CHECK_THROWS_MATCHES(make_settings(r, std::nullopt, std::nullopt), BadData,
                         Catch::Message("server 8: unknown authentication 'kerberos'"));

    r = record();
    r.dav_servers[0].type = "webdav";
    CHECK_THROWS_AS(make_settings(r, std::nullopt, std::nullopt), BadData);
    CHECK_THROWS_WITH(make_settings(r, std::nullopt, std::nullopt),
                      Catch::Contains("davserver 4") && Catch::Contains("'webdav'"));
}

TEST_CASE("expand_host_placeholders: host names and urls, not user names", "[settings]") {
    DomainSettings s;
    s.domain = "customer.example";
    MailServer server;
    server.name = "mail.%EMAILDOMAIN%";
    server.user_name = "%EMAILLOCALPART%@%EMAILDOMAIN%";
    s.servers = {server};
    DavServer dav;
    dav.url = "https://dav.%EMAILDOMAIN%/%EMAILADDRESS%/";
    dav.user_name = "%EMAILDOMAIN%";
    s.dav_servers = {dav};
    s.endpoints = {Endpoint{1, EndpointType::ews, "https://ews.%EMAILDOMAIN%/EWS/Exchange.asmx"}};
    expand_host_placeholders(s);
    CHECK(s.servers[0].name == "mail.customer.example");
    CHECK(s.servers[0].user_name == "%EMAILLOCALPART%@%EMAILDOMAIN%");
    CHECK(s.dav_servers[0].url == "https://dav.customer.example/%EMAILADDRESS%/");
    CHECK(s.dav_servers[0].user_name == "%EMAILDOMAIN%");
    CHECK(s.endpoints[0].url == "https://ews.customer.example/EWS/Exchange.asmx");
}
