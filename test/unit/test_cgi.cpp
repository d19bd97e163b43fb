// The CGI environment → Request (core/cgi.h), without libfcgi.
#include <catch2/catch.hpp>
#include <map>
#include <string>

#include "core/cgi.h"

using namespace automx2;

namespace {

Request make(const std::map<std::string, std::string>& vars, const Config& config = {}) {
    return make_request(
        [&](const char* name) -> std::string_view {
            auto found = vars.find(name);
            return found == vars.end() ? std::string_view{} : std::string_view{found->second};
        },
        config);
}

}  // namespace

TEST_CASE("make_request takes method, path and query from the CGI variables") {
    Request r = make({{"REQUEST_METHOD", "GET"},
                      {"REQUEST_URI", "/mail/config%2Dv1.1.xml?emailaddress=a%40b.example"},
                      {"QUERY_STRING", "emailaddress=a%40b.example&name=A+B"},
                      {"HTTP_HOST", "autoconfig.b.example"},
                      {"REMOTE_ADDR", "192.0.2.7"}});
    CHECK(r.method == "GET");
    CHECK(r.path == "/mail/config-v1.1.xml");
    CHECK(r.param("emailaddress") == "a@b.example");
    CHECK(r.param("name") == "A B");
    CHECK(r.host == "autoconfig.b.example");
    CHECK(r.remote_addr == "192.0.2.7");
    CHECK(r.scheme == "http");
    CHECK_FALSE(r.body_too_large);
}

TEST_CASE("make_request falls back to SCRIPT_NAME + PATH_INFO") {
    Request r = make({{"SCRIPT_NAME", "/initdb"}, {"PATH_INFO", "/"}});
    CHECK(r.path == "/initdb/");
}

TEST_CASE("forwarded headers count only with proxy_count > 0") {
    std::map<std::string, std::string> vars{{"REMOTE_ADDR", "127.0.0.1"},
                                            {"HTTP_X_FORWARDED_FOR", "203.0.113.9"},
                                            {"HTTP_X_FORWARDED_HOST", "evil.example"},
                                            {"HTTP_X_FORWARDED_PROTO", "https"},
                                            {"HTTP_HOST", "autoconfig.example.com"}};
    Request direct = make(vars);
    CHECK(direct.remote_addr == "127.0.0.1");
    CHECK(direct.host == "autoconfig.example.com");
    CHECK(direct.scheme == "http");
    Config behind;
    behind.proxy_count = 1;
    Request proxied = make(vars, behind);
    CHECK(proxied.remote_addr == "203.0.113.9");
    CHECK(proxied.host == "evil.example");
    CHECK(proxied.scheme == "https");
}

TEST_CASE("a declared body over the limit is refused before reading") {
    Config config;
    config.max_body_size = 10;
    CHECK(make({{"CONTENT_LENGTH", "11"}}, config).body_too_large);
    CHECK_FALSE(make({{"CONTENT_LENGTH", "10"}}, config).body_too_large);
    CHECK(make({{"CONTENT_LENGTH", "99999999999999999999999999"}}, config).body_too_large);
    CHECK_FALSE(make({{"CONTENT_LENGTH", "junk"}}, config).body_too_large);
}

TEST_CASE("append_body keeps at most the limit and then nothing") {
    Request r;
    CHECK(append_body(r, "hello", 10));
    CHECK(append_body(r, "world", 10));
    CHECK(r.body == "helloworld");
    CHECK_FALSE(append_body(r, "!", 10));
    CHECK(r.body_too_large);
    CHECK(r.body.empty());
    CHECK_FALSE(append_body(r, "", 10));
}
