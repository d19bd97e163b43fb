#include <catch2/catch.hpp>

#include "core/address.h"
#include "core/errors.h"

using automx2::BadRequest;
using automx2::parse_address;

TEST_CASE("a valid address is split and its domain normalised", "[address]") {
    auto a = parse_address("Jane.Doe@Example.COM");
    CHECK(a.local == "Jane.Doe");
    CHECK(a.domain == "example.com");
    CHECK(a.full() == "Jane.Doe@example.com");
}

TEST_CASE("automx2's rule: exactly one @ with both sides non-empty", "[address]") {
    CHECK_THROWS_AS(parse_address("no-at-sign"), BadRequest);
    CHECK_THROWS_AS(parse_address("a@b@example.com"), BadRequest);
    CHECK_THROWS_AS(parse_address("@example.com"), BadRequest);
    CHECK_THROWS_AS(parse_address("user@"), BadRequest);
    CHECK_THROWS_AS(parse_address(""), BadRequest);
}

TEST_CASE("control characters, white space and overlong input are refused", "[address]") {
    CHECK_THROWS_AS(parse_address("us er@example.com"), BadRequest);
    CHECK_THROWS_AS(parse_address("user@example.com "), BadRequest);
    CHECK_THROWS_AS(parse_address("user\t@example.com"), BadRequest);
    CHECK_THROWS_AS(parse_address(std::string("us\0er@example.com", 17)), BadRequest);
    CHECK_THROWS_AS(parse_address("user\r\nX-Injected: 1@example.com"), BadRequest);
    CHECK_THROWS_AS(parse_address("user\x7f@example.com"), BadRequest);
    CHECK_NOTHROW(parse_address(std::string(64, 'a') + "@example.com"));
    CHECK_THROWS_AS(parse_address(std::string(65, 'a') + "@example.com"), BadRequest);
    std::string label(60, 'b');
    std::string domain = label + "." + label + "." + label + "." + label.substr(0, 47) + ".com";
    std::string at_limit = std::string(254 - 1 - domain.size(), 'a') + "@" + domain;
    REQUIRE(at_limit.size() == 254);
    CHECK_NOTHROW(parse_address(at_limit));
    CHECK_THROWS_AS(parse_address("a" + at_limit), BadRequest);
}

TEST_CASE("domains must be host names", "[address]") {
    CHECK_THROWS_AS(parse_address("user@exa_mple.com"), BadRequest);
    CHECK_THROWS_AS(parse_address("user@-example.com"), BadRequest);
    CHECK_THROWS_AS(parse_address("user@example..com"), BadRequest);
    CHECK_THROWS_AS(parse_address("user@" + std::string(64, 'x') + ".com"), BadRequest);
    CHECK_THROWS_AS(parse_address("*)(uid=*)@example.com("), BadRequest);
}

TEST_CASE("LDAP and SQL metacharacters in the local part pass the address rule", "[address]") {
    // They are legal in a local part; the backends bind and escape them.
    CHECK(parse_address("*)(uid=*)@example.com").local == "*)(uid=*)");
    CHECK(parse_address("o'hara;--@example.com").local == "o'hara;--");
}

TEST_CASE("internationalised domains are converted to A-labels", "[address][idn]") {
    CHECK(automx2::normalise_domain("bücher.example") == "xn--bcher-kva.example");
    CHECK(automx2::normalise_domain("BÜCHER.Example") == "xn--bcher-kva.example");
    CHECK(parse_address("jürgen@bücher.example").domain == "xn--bcher-kva.example");
    CHECK(automx2::normalise_domain("example.com.") == "example.com");
    CHECK_FALSE(automx2::normalise_domain("\xff\xfe.example").has_value());
    CHECK_FALSE(automx2::normalise_domain("").has_value());
}

TEST_CASE("the Host header names the mail domain", "[address][host]") {
    using automx2::domain_from_host;
    CHECK(domain_from_host("autoconfig.example.com") == "example.com");
    CHECK(domain_from_host("AutoDiscover.Example.com:8443") == "example.com");
    CHECK(domain_from_host("example.org") == "example.org");
    CHECK_FALSE(domain_from_host("").has_value());
    CHECK_FALSE(domain_from_host("[::1]:8080").has_value());
    CHECK_FALSE(domain_from_host("bad host").has_value());
}
