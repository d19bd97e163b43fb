// PACC (SPEC §16): what is published, what is left out and why, the exact bytes.
#include <catch2/catch.hpp>

#include "core/builders/pacc.h"
#include "core/sha256.h"

using namespace automx2;

namespace {

MailServer mail(long id, ServerType type, std::string name, int port, std::string socket,
                Authentication authentication = Authentication::cleartext,
                std::string user_name = "%EMAILADDRESS%") {
    MailServer server;
    server.id = id;
    server.type = type;
    server.name = std::move(name);
    server.port = port;
    server.socket_type = std::move(socket);
    server.user_name = std::move(user_name);
    server.authentication = authentication;
    return server;
}

DavServer dav(long id, DavType type, std::string url, int port = 0,
              std::optional<std::string> user_name = std::nullopt) {
    DavServer server;
    server.id = id;
    server.type = type;
    server.url = std::move(url);
    server.port = port;
    server.use_ssl = true;
    server.user_name = std::move(user_name);
    return server;
}

DomainSettings example() {
    DomainSettings s;
    s.provider_id = 1;
    s.provider_name = "Example Inc.";
    s.provider_short_name = "Example";
    s.domain = "example.com";
    s.servers = {
        mail(2, ServerType::imap, "imap.example.com", 993, "SSL"),
        mail(1, ServerType::imap, "imap.example.com", 143, "STARTTLS"),
        mail(3, ServerType::pop, "pop.example.com", 995, "SSL"),
        mail(5, ServerType::smtp, "smtp.example.com", 465, "SSL"),
        mail(4, ServerType::smtp, "smtp.example.com", 587, "STARTTLS"),
    };
    return s;
}

bool mentions(const std::vector<std::string>& lines, std::string_view a, std::string_view b) {
    for (const auto& line : lines) {
        if (line.find(a) != std::string::npos && line.find(b) != std::string::npos)
            return true;
    }
    return false;
}

}  // namespace

TEST_CASE("pacc: implicit TLS servers on the standard ports, fixed order, no white space",
          "[builders][pacc]") {
    std::vector<std::string> left_out;
    auto body = build_pacc(example(), &left_out);
    REQUIRE(body);
    CHECK(*body ==
          R"({"protocols":{"imap":{"host":"imap.example.com"},"pop3":{"host":"pop.example.com"},)"
          R"("submit":{"host":"smtp.example.com"}},"authentication":{"password":true},)"
          R"("info":{"provider":{"name":"Example Inc.","shortName":"Example"}}})");
    REQUIRE(left_out.size() == 2);
    CHECK(mentions(left_out, "IMAP server id 1", "implicit TLS"));
    CHECK(mentions(left_out, "submission server id 4", "STARTTLS"));
    // Same data, same bytes.
    CHECK(build_pacc(example()) == body);
}

TEST_CASE("pacc: what PACC cannot express is left out, one line each", "[builders][pacc]") {
    DomainSettings s = example();
    s.servers = {
        mail(1, ServerType::imap, "imap.example.com", 1993, "SSL"),
        mail(2, ServerType::imap, "imap.example.com", 993, "SSL", Authentication::cleartext,
             "%EMAILLOCALPART%"),
        mail(3, ServerType::imap, "imap.example.com", 993, "SSL", Authentication::ntlm),
        mail(4, ServerType::imap, "%EMAILLOCALPART%.example.com", 993, "SSL"),
        mail(5, ServerType::pop, "pop.example.com", 110, "plain"),
        mail(6, ServerType::smtp, "smtp.example.com", 465, "SSL", Authentication::oauth2),
        mail(7, ServerType::smtp, "smtp2.example.com", 465, "SSL"),
    };
    s.dav_servers = {
        dav(1, DavType::caldav, "https://dav.example.com/caldav/%EMAILADDRESS%/"),
        dav(2, DavType::carddav, "https://dav.example.com/carddav/", 443, "%EMAILLOCALPART%"),
        dav(3, DavType::carddav, "http://dav.example.com/carddav/"),
        dav(4, DavType::carddav, "https://dav.example.com:8443/carddav/"),
        dav(5, DavType::caldav, "https://dav.example.com/caldav/", 8008),
        dav(6, DavType::caldav, "https://user:pw@dav.example.com/caldav/"),
    };
    std::vector<std::string> left_out;
    auto body = build_pacc(s, &left_out);
    REQUIRE(body);
    CHECK(
        *body ==
        R"({"protocols":{"submit":{"host":"smtp.example.com"}},"authentication":)"
        R"({"password":true},"info":{"provider":{"name":"Example Inc.","shortName":"Example"}}})");
    CHECK(left_out.size() == 12);
    CHECK(mentions(left_out, "IMAP server id 1", "port 1993"));
    CHECK(mentions(left_out, "IMAP server id 2", "login name %EMAILLOCALPART%"));
    CHECK(mentions(left_out, "IMAP server id 3", "authentication NTLM"));
    CHECK(mentions(left_out, "IMAP server id 4", "host name"));
    CHECK(mentions(left_out, "POP3 server id 5", "implicit TLS"));
    CHECK(mentions(left_out, "submission server id 7", "server id 6 comes first"));
    CHECK(mentions(left_out, "CalDAV server id 1", "per-user placeholder"));
    CHECK(mentions(left_out, "CardDAV server id 2", "login name"));
    CHECK(mentions(left_out, "CardDAV server id 3", "not an https url"));
    CHECK(mentions(left_out, "CardDAV server id 4", "port 8443"));
    CHECK(mentions(left_out, "CalDAV server id 5", "port 8008"));
    CHECK(mentions(left_out, "CalDAV server id 6", "credentials"));
}

TEST_CASE("pacc: DAV, JMAP and OAuth2", "[builders][pacc]") {
    DomainSettings s = example();
    s.servers.clear();
    s.dav_servers = {
        dav(1, DavType::carddav, "https://dav.example.com/carddav/", 443),
        dav(2, DavType::caldav, "https://dav.example.com/caldav/", 0, "%EMAILADDRESS%")};
    s.endpoints = {
        {1, EndpointType::activesync, "https://as.example.com/Microsoft-Server-ActiveSync"},
        {2, EndpointType::jmap, "https://jmap.example.com/.well-known/jmap"},
        {3, EndpointType::jmap, "https://jmap2.example.com/"}};
    s.oauth2 =
        OAuth2Settings{"auth.example.com", "imap smtp", std::nullopt, std::nullopt, std::nullopt};
    std::vector<std::string> left_out;
    auto body = build_pacc(s, &left_out);
    REQUIRE(body);
    CHECK(
        *body ==
        R"({"protocols":{"caldav":{"url":"https://dav.example.com/caldav/"},)"
        R"("carddav":{"url":"https://dav.example.com/carddav/"},)"
        R"("jmap":{"url":"https://jmap.example.com/.well-known/jmap"}},)"
        R"("authentication":{"password":true,"oauth-public":{"issuer":"https://auth.example.com"}},)"
        R"("info":{"provider":{"name":"Example Inc.","shortName":"Example"}}})");
    REQUIRE(left_out.size() == 1);
    CHECK(mentions(left_out, "JMAP endpoint id 3", "id 2 comes first"));

    SECTION("a JMAP-only domain with OAuth2 claims no password") {
        s.dav_servers.clear();
        s.oauth2->issuer = "https://auth.example.com/realm";
        body = build_pacc(s);
        REQUIRE(body);
        CHECK(body->find(R"("authentication":{"password":false,"oauth-public":{"issuer":)"
                         R"("https://auth.example.com/realm"}})") != std::string::npos);
    }
}

TEST_CASE("pacc: nothing expressible is nullopt", "[builders][pacc]") {
    DomainSettings s = example();
    s.servers = {mail(1, ServerType::imap, "imap.example.com", 143, "STARTTLS")};
    std::vector<std::string> left_out;
    CHECK_FALSE(build_pacc(s, &left_out));
    CHECK(left_out.size() == 1);
    s.servers.clear();
    CHECK_FALSE(build_pacc(s));
}

TEST_CASE("pacc: provider text is escaped the one JSON way", "[builders][pacc]") {
    DomainSettings s = example();
    s.provider_name = "Quote\" back\\ tab\t nl\n bell\x07 \xC3\xBC bad\xFF";
    s.provider_short_name = "</script>";
    auto body = build_pacc(s);
    REQUIRE(body);
    CHECK(body->find(R"("name":"Quote\" back\\ tab\t nl\n bell\u0007 )"
                     "\xC3\xBC bad\xEF\xBF\xBD"
                     R"(","shortName":"</script>")") != std::string::npos);
}

TEST_CASE("pacc: the TXT record carries base64(sha256(body))", "[builders][pacc]") {
    // RFC 6234 / FIPS 180-2 test vectors, in base64.
    CHECK(sha256_base64("") == "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
    CHECK(sha256_base64("abc") == "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=");
    CHECK(pacc_txt_record("example.com", "abc") ==
          "_ua-auto-config.example.com. TXT \"v=UAAC1; a=sha256; "
          "d=ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=\"");
}
