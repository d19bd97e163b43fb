#include <catch2/catch.hpp>

#include "core/placeholders.h"

using automx2::Address;
using automx2::expand_placeholders;
using automx2::expand_placeholders_in_url;

TEST_CASE("each placeholder is replaced", "[placeholders]") {
    Address a{"jane", "example.com"};
    CHECK(expand_placeholders("%EMAILADDRESS%", a) == "jane@example.com");
    CHECK(expand_placeholders("%EMAILLOCALPART%", a) == "jane");
    CHECK(expand_placeholders("%EMAILDOMAIN%", a) == "example.com");
    CHECK(expand_placeholders("x-%EMAILLOCALPART%.%EMAILDOMAIN%-y", a) == "x-jane.example.com-y");
    CHECK(expand_placeholders("plain", a) == "plain");
    CHECK(expand_placeholders("100%", a) == "100%");
    CHECK(expand_placeholders("%UNKNOWN%%EMAILDOMAIN%", a) == "%UNKNOWN%example.com");
}

TEST_CASE("substituted text is never scanned again", "[placeholders]") {
    Address a{"%EMAILDOMAIN%", "example.com"};
    CHECK(expand_placeholders("%EMAILLOCALPART%", a) == "%EMAILDOMAIN%");
    CHECK(expand_placeholders("%EMAILADDRESS%", a) == "%EMAILDOMAIN%@example.com");
}

TEST_CASE("substituted parts of a URL are percent-encoded", "[placeholders]") {
    Address a{"j/a ne?#", "example.com"};
    CHECK(expand_placeholders_in_url("https://dav.example.com/%EMAILADDRESS%/", a) ==
          "https://dav.example.com/j%2Fa%20ne%3F%23@example.com/");
    Address plain{"jane", "example.com"};
    CHECK(expand_placeholders_in_url("https://h/dav/%EMAILLOCALPART%/?x=1", plain) ==
          "https://h/dav/jane/?x=1");
}

TEST_CASE("host names: only %EMAILDOMAIN% is expanded, never rescanned", "[placeholders]") {
    using automx2::expand_domain_placeholder;
    CHECK(expand_domain_placeholder("imap.%EMAILDOMAIN%", "customer.example") ==
          "imap.customer.example");
    CHECK(expand_domain_placeholder("https://%EMAILDOMAIN%/dav/%EMAILADDRESS%/%EMAILDOMAIN%",
                                    "c.example") ==
          "https://c.example/dav/%EMAILADDRESS%/c.example");
    CHECK(expand_domain_placeholder("%EMAILDOMAIN", "c.example") == "%EMAILDOMAIN");
    CHECK(expand_domain_placeholder("%EMAILDOMAIN%", "%EMAILDOMAIN%") == "%EMAILDOMAIN%");
    CHECK(expand_domain_placeholder("", "c.example").empty());
}
