// Networks (initdb_allowed_from) and the proxy_count rule (SPEC §1).
#include <catch2/catch.hpp>

#include "core/errors.h"
#include "core/net.h"

using automx2::client_address;
using automx2::forwarded_value;
using automx2::Network;
using automx2::parse_network;
using automx2::parse_network_list;
using Catch::Matchers::Contains;

TEST_CASE("single addresses", "[net]") {
    const auto v4 = parse_network("127.0.0.1");
    REQUIRE(v4);
    CHECK(v4->prefix == 128);
    CHECK(v4->text == "127.0.0.1");
    CHECK(v4->contains("127.0.0.1"));
    CHECK_FALSE(v4->contains("127.0.0.2"));
    // IPv4 is stored mapped, so the mapped spelling of the same address matches too.
    CHECK(v4->contains("::ffff:127.0.0.1"));
    CHECK_FALSE(v4->contains("::1"));

    const auto v6 = parse_network("::1");
    REQUIRE(v6);
    CHECK(v6->contains("::1"));
    CHECK(v6->contains("0:0:0:0:0:0:0:1"));
    CHECK(v6->contains("[::1]"));
    CHECK_FALSE(v6->contains("127.0.0.1"));
    CHECK_FALSE(v6->contains("::2"));
}

TEST_CASE("networks with prefixes", "[net]") {
    const auto ten = parse_network("10.0.0.0/8");
    REQUIRE(ten);
    CHECK(ten->prefix == 96 + 8);
    CHECK(ten->contains("10.255.1.2"));
    CHECK(ten->contains("::ffff:10.1.2.3"));
    CHECK_FALSE(ten->contains("11.0.0.1"));

    const auto odd = parse_network("192.0.2.128/25");
    REQUIRE(odd);
    CHECK(odd->contains("192.0.2.200"));
    CHECK_FALSE(odd->contains("192.0.2.127"));

    const auto doc = parse_network("2001:db8::/32");
    REQUIRE(doc);
    CHECK(doc->contains("2001:db8:1::5"));
    CHECK_FALSE(doc->contains("2001:db9::5"));

    // Host bits beyond the prefix do not matter.
    const auto sloppy = parse_network("10.1.2.3/8");
    REQUIRE(sloppy);
    CHECK(sloppy->contains("10.200.0.1"));

    const auto all = parse_network("0.0.0.0/0");
    REQUIRE(all);
    CHECK(all->contains("203.0.113.9"));
    CHECK_FALSE(all->contains("2001:db8::1"));
    const auto all6 = parse_network("::/0");
    REQUIRE(all6);
    CHECK(all6->contains("2001:db8::1"));
    CHECK(all6->contains("203.0.113.9"));
}

TEST_CASE("zone ids are stripped, garbage never matches", "[net]") {
    const auto link = parse_network("fe80::/10");
    REQUIRE(link);
    CHECK(link->contains("fe80::1%eth0"));
    CHECK(link->contains("fe80::1%"));  // an empty zone id: still fe80::1
    CHECK_FALSE(link->contains(""));
    CHECK_FALSE(link->contains("localhost"));
    CHECK_FALSE(link->contains("fe80::1 junk"));
    CHECK_FALSE(link->contains(std::string(500, '1')));
}

TEST_CASE("invalid networks", "[net]") {
    for (const char* bad : {"", "10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/-1", "10.0.0/8",
                            "256.1.1.1", "example.com", "1.2.3.4/8x", "fe80::1%eth0"}) {
        INFO(bad);
        CHECK_FALSE(parse_network(bad));
    }
}

TEST_CASE("network lists", "[net]") {
    const auto list = parse_network_list("127.0.0.1, ::1  10.0.0.0/8,\n 2001:db8::/32");
    REQUIRE(list.size() == 4);
    CHECK(list[0].text == "127.0.0.1");
    CHECK(list[2].text == "10.0.0.0/8");
    CHECK(list[3].contains("2001:db8::abc"));
    CHECK(parse_network_list("").empty());
    CHECK(parse_network_list(" , ").empty());
    try {
        parse_network_list("127.0.0.1, 10.0.0.0/40, ::1");
        FAIL("no error");
    } catch (const automx2::ConfigError& e) {
        CHECK_THAT(std::string(e.what()), Contains("'10.0.0.0/40'"));
    }
}

TEST_CASE("default initdb networks are loopback only", "[net]") {
    const auto nets = automx2::default_initdb_networks();
    REQUIRE(nets.size() == 2);
    auto allowed = [&](const char* ip) {
        for (const auto& n : nets) {
            if (n.contains(ip)) {
                return true;
            }
        }
        return false;
    };
    CHECK(allowed("127.0.0.1"));
    CHECK(allowed("::1"));
    CHECK(allowed("::ffff:127.0.0.1"));
    CHECK_FALSE(allowed("127.0.0.2"));
    CHECK_FALSE(allowed("192.0.2.1"));
}

TEST_CASE("proxy_count 0 trusts REMOTE_ADDR only", "[net][proxy]") {
    CHECK(client_address("192.0.2.1", "198.51.100.7", 0) == "192.0.2.1");
    CHECK_FALSE(forwarded_value("https", 0));
}

TEST_CASE("proxy_count N takes the N-th value from the right", "[net][proxy]") {
    const char* xff = "203.0.113.66, 198.51.100.7 ,10.0.0.2";
    CHECK(client_address("10.0.0.1", xff, 1) == "10.0.0.2");
    CHECK(client_address("10.0.0.1", xff, 2) == "198.51.100.7");
    CHECK(client_address("10.0.0.1", xff, 3) == "203.0.113.66");
    // Fewer values than trusted proxies: none is trusted.
    CHECK(client_address("10.0.0.1", xff, 4) == "10.0.0.1");
    CHECK(client_address("10.0.0.1", "", 1) == "10.0.0.1");
    CHECK(client_address("10.0.0.1", "  ", 1) == "10.0.0.1");
    // A client-supplied value left of the trusted ones does not matter.
    CHECK(client_address("10.0.0.1", "127.0.0.1, 198.51.100.7", 1) == "198.51.100.7");
    CHECK(client_address("10.0.0.1", "2001:db8::1", 1) == "2001:db8::1");
    // An empty element is no address.
    CHECK(client_address("10.0.0.1", "198.51.100.7, , 10.0.0.2", 2) == "10.0.0.1");
}

TEST_CASE("forwarded proto and host", "[net][proxy]") {
    CHECK(forwarded_value("https", 1) == "https");
    CHECK(forwarded_value("http, https", 1) == "https");
    CHECK(forwarded_value("http, https", 2) == "http");
    CHECK_FALSE(forwarded_value("https", 2));
    CHECK_FALSE(forwarded_value("", 1));
    CHECK(forwarded_value("evil.example, autoconfig.example.com:8443", 1) ==
          "autoconfig.example.com:8443");
    CHECK(forwarded_value("\"quoted.example\"", 1) == "quoted.example");
}
