#include <catch2/catch.hpp>

#include "core/http.h"

using automx2::parse_query;
using automx2::percent_decode;

TEST_CASE("query strings are split and decoded", "[http]") {
    auto q = parse_query("emailaddress=jane%40example.com&name=Jane+Doe&flag&=x&&");
    REQUIRE(q.size() == 3);
    CHECK(q[0] == std::pair<std::string, std::string>{"emailaddress", "jane@example.com"});
    CHECK(q[1] == std::pair<std::string, std::string>{"name", "Jane Doe"});
    CHECK(q[2] == std::pair<std::string, std::string>{"flag", ""});
}

TEST_CASE("the first of repeated parameters wins", "[http]") {
    automx2::Request r;
    r.query = parse_query("a=1&a=2");
    CHECK(r.param("a") == "1");
    CHECK_FALSE(r.param("b").has_value());
}

TEST_CASE("malformed escapes are kept literally", "[http]") {
    CHECK(percent_decode("100%", false) == "100%");
    CHECK(percent_decode("%zz%4", false) == "%zz%4");
    CHECK(percent_decode("a+b", false) == "a+b");
    CHECK(percent_decode("a+b", true) == "a b");
    CHECK(percent_decode("%00%0d%0A", false) == std::string("\0\r\n", 3));
}
