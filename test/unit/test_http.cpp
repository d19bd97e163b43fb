#include <catch2/catch.hpp>

#include "core/http.h"

using automx2::parse_query;

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
