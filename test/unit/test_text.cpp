#include <catch2/catch.hpp>

#include "core/text.h"

namespace text = automx2::text;

TEST_CASE("text: ASCII case-insensitive equality and prefixes", "[text]") {
    CHECK(text::iequals("IMAP", "imap"));
    CHECK(text::iequals("", ""));
    CHECK_FALSE(text::iequals("imap", "imap "));
    CHECK_FALSE(text::iequals("imap", "ima"));
    // Only A–Z fold: no locale, no UTF-8 case mapping.
    CHECK_FALSE(text::iequals("\xc3\x84", "\xc3\xa4"));
    CHECK_FALSE(text::iequals("[", "{"));
    CHECK(text::istarts_with("/AutoDiscover/x", "/autodiscover/"));
    CHECK_FALSE(text::istarts_with("/auto", "/autodiscover/"));
}

TEST_CASE("text: lower-casing and trimming", "[text]") {
    CHECK(text::to_lower("Example.COM") == "example.com");
    CHECK(text::to_lower("\xc3\x84") == "\xc3\x84");
    CHECK(text::trim(" \t\r\n\f\va b \n") == "a b");
    CHECK(text::trim("   ").empty());
    CHECK(text::trim("x") == "x");
    CHECK_FALSE(text::is_space('\0'));
}

TEST_CASE("text: control characters and printable values", "[text]") {
    CHECK(text::is_control('\0'));
    CHECK(text::is_control('\x1f'));
    CHECK(text::is_control('\x7f'));
    CHECK_FALSE(text::is_control(' '));
    CHECK_FALSE(text::is_control('\x80'));
    CHECK(text::printable("a\tb\x7f") == "a?b?");
    CHECK(text::printable(std::string(101, 'x')) == std::string(100, 'x') + "...");
    CHECK(text::printable(std::string(100, 'x')) == std::string(100, 'x'));
    CHECK(text::printable("abcdef", 3) == "abc...");
}

TEST_CASE("text: one set of boolean words", "[text]") {
    for (const char* yes : {"yes", "YES", "true", "True", "on", "ON", "1"}) {
        CHECK(text::parse_bool(yes) == true);
    }
    for (const char* no : {"no", "No", "false", "FALSE", "off", "Off", "0"}) {
        CHECK(text::parse_bool(no) == false);
    }
    for (const char* neither : {"", "y", "t", "2", " yes", "yes ", "enabled", "truee"}) {
        CHECK_FALSE(text::parse_bool(neither).has_value());
    }
}
