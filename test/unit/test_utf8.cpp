#include <catch2/catch.hpp>

#include "core/utf8.h"

using automx2::utf8::decode;

TEST_CASE("valid UTF-8 sequences decode to their code points", "[utf8]") {
    CHECK(decode("A", 0)->value == U'A');
    CHECK(decode("\xc3\xbc", 0)->value == U'\u00fc');
    CHECK(decode("\xc3\xbc", 0)->length == 2);
    CHECK(decode("\xe2\x82\xac", 0)->value == U'\u20ac');
    CHECK(decode("\xf0\x9f\x93\xa7", 0)->value == U'\U0001f4e7');
    CHECK(decode("x\xf0\x9f\x93\xa7", 1)->length == 4);
}

TEST_CASE("invalid UTF-8 sequences are refused", "[utf8]") {
    CHECK_FALSE(decode("\x80", 0));              // stray continuation byte
    CHECK_FALSE(decode("\xc0\xaf", 0));          // overlong '/'
    CHECK_FALSE(decode("\xe0\x80\xaf", 0));      // overlong, three bytes
    CHECK_FALSE(decode("\xed\xa0\x80", 0));      // surrogate U+D800
    CHECK_FALSE(decode("\xf4\x90\x80\x80", 0));  // beyond U+10FFFF
    CHECK_FALSE(decode("\xe2\x82", 0));          // truncated
    CHECK_FALSE(decode("\xc3(", 0));             // bad continuation
    CHECK_FALSE(decode("", 0));
}
