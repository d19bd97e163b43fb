#include <catch2/catch.hpp>

#include "core/url.h"

namespace url = automx2::url;

TEST_CASE("url: percent decoding keeps malformed escapes", "[url]") {
    CHECK(url::percent_decode("jane%40example.com") == "jane@example.com");
    CHECK(url::percent_decode("100%") == "100%");
    CHECK(url::percent_decode("%zz%4") == "%zz%4");
    CHECK(url::percent_decode("a+b") == "a+b");
    CHECK(url::percent_decode("a+b", true) == "a b");
    CHECK(url::percent_decode("%00%0d%0A") == std::string("\0\r\n", 3));
}

TEST_CASE("url: percent encoding of all but unreserved characters", "[url]") {
    CHECK(url::percent_encode("a b/c@d~e") == "a%20b%2Fc%40d~e");
    CHECK(url::percent_encode("a@b", "@") == "a@b");
    CHECK(url::percent_encode(std::string("\0\xff", 2), std::string("\0", 1)) == "%00%FF");
    CHECK(url::percent_decode(url::percent_encode("ä ?&=")) == "ä ?&=");
}

TEST_CASE("url: ports are 1..65535 in decimal digits", "[url]") {
    CHECK(url::parse_port("1") == 1);
    CHECK(url::parse_port("65535") == 65535);
    CHECK(url::parse_port("08443") == 8443);
    for (const char* bad : {"", "0", "65536", "99999", "100000", "-1", "+1", " 1", "http", "1a"}) {
        CHECK_FALSE(url::parse_port(bad));
    }
}

TEST_CASE("url: host and port, IPv6 in brackets", "[url]") {
    auto hp = url::split_host_port("db.example.com:5432");
    REQUIRE(hp);
    CHECK(hp->host == "db.example.com");
    CHECK_FALSE(hp->ip_literal);
    CHECK(hp->port == 5432);

    hp = url::split_host_port("[2001:db8::1]:8443");
    REQUIRE(hp);
    CHECK(hp->host == "2001:db8::1");
    CHECK(hp->ip_literal);
    CHECK(hp->port == 8443);

    hp = url::split_host_port("host:");
    REQUIRE(hp);
    CHECK(hp->port_text == "");
    CHECK_FALSE(hp->port);

    hp = url::split_host_port("host:http");
    REQUIRE(hp);
    CHECK(hp->host == "host");
    CHECK(hp->port_text == "http");
    CHECK_FALSE(hp->port);

    hp = url::split_host_port("");
    REQUIRE(hp);
    CHECK(hp->host.empty());
    CHECK_FALSE(hp->port_text);

    url::HostError error = url::HostError::none;
    CHECK_FALSE(url::split_host_port("[::1", &error));
    CHECK(error == url::HostError::unclosed_ip_literal);
    CHECK_FALSE(url::split_host_port("[]:80", &error));
    CHECK(error == url::HostError::empty_ip_literal);
    CHECK_FALSE(url::split_host_port("[::1]x", &error));
    CHECK(error == url::HostError::text_after_ip_literal);
    CHECK(url::split_host_port("[::1]", &error));
    CHECK(error == url::HostError::none);
}

TEST_CASE("url: one splitter for the parts of a URL", "[url]") {
    auto u = url::split("HTTPS://u:p@w@cal.example.com:8443/dav/%EMAILADDRESS%/?a=b#top");
    REQUIRE(u);
    CHECK(u->scheme == "https");
    CHECK(u->userinfo == "u:p@w");
    CHECK(u->host == "cal.example.com");
    CHECK(u->port == 8443);
    CHECK(u->port_valid());
    CHECK(u->path == "/dav/%EMAILADDRESS%/");
    CHECK(u->query == "a=b");

    u = url::split("https://[2001:db8::1]/");
    REQUIRE(u);
    CHECK(u->host == "2001:db8::1");
    CHECK(u->ip_literal);
    CHECK_FALSE(u->port_text);
    CHECK(u->port_valid());

    u = url::split("http://example.com?x#y");
    REQUIRE(u);
    CHECK(u->host == "example.com");
    CHECK(u->path.empty());
    CHECK(u->query == "x");
    CHECK_FALSE(u->userinfo);

    u = url::split("http://example.com:0/");
    REQUIRE(u);
    CHECK(u->host == "example.com");
    CHECK_FALSE(u->port_valid());

    CHECK(url::split("http://example.com:/")->port_valid());
    CHECK_FALSE(url::split("not a url"));
    CHECK_FALSE(url::split("://host/"));
    CHECK_FALSE(url::split("1http://host/"));
    CHECK_FALSE(url::split("https://[::1/"));
}
