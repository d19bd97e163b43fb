// The response cache (issue 14): what it keeps, for how long, and that a change of
// the store's token drops it at once.
#include <catch2/catch.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <thread>

#include "core/response_cache.h"

using namespace automx2;
using namespace std::chrono_literals;

namespace {

Request autoconfig_request(const std::string& query) {
    Request request;
    request.method = "GET";
    request.path = "/mail/config-v1.1.xml";
    request.query_string = query;
    request.query = parse_query(query);
    request.host = "autoconfig.example.com";
    return request;
}

Response document(const std::string& body) {
    return Response::xml(body);
}

const ResponseCache::Clock::time_point t0{};

}  // namespace

TEST_CASE("cache key: everything a handler reads, and no passwords") {
    Request a = autoconfig_request("emailaddress=jane%40example.com");
    Request b = autoconfig_request("emailaddress=joe%40example.com");
    REQUIRE(ResponseCache::key(a, 1));
    CHECK(ResponseCache::key(a, 1) == ResponseCache::key(a, 1));
    CHECK(ResponseCache::key(a, 1) != ResponseCache::key(b, 1));
    CHECK(ResponseCache::key(a, 1) != ResponseCache::key(a, 2));
    Request other_host = a;
    other_host.host = "autoconfig.example.net";
    CHECK(ResponseCache::key(a, 1) != ResponseCache::key(other_host, 1));
    Request with_body = a;
    with_body.body = "<x/>";
    CHECK(ResponseCache::key(a, 1) != ResponseCache::key(with_body, 1));
    Request typed = a;
    typed.content_type = "text/xml";
    CHECK(ResponseCache::key(a, 1) != ResponseCache::key(typed, 1));
    // The setup page also reads the scheme, the port and the language.
    Request https = a;
    https.scheme = "https";
    CHECK(ResponseCache::key(a, 1) != ResponseCache::key(https, 1));
    Request port = a;
    port.server_port = "8080";
    CHECK(ResponseCache::key(a, 1) != ResponseCache::key(port, 1));
    Request german = a;
    german.accept_language = "de";
    CHECK(ResponseCache::key(a, 1) != ResponseCache::key(german, 1));
    // Parts cannot be shifted into each other.
    Request shifted = a;
    shifted.query_string += '\0';
    shifted.host.clear();
    CHECK(ResponseCache::key(a, 1) != ResponseCache::key(shifted, 1));

    CHECK_FALSE(
        ResponseCache::key(autoconfig_request("emailaddress=j%40example.com&password=x"), 1));
    Request huge = a;
    huge.body.assign(ResponseCache::max_key_size, 'x');
    CHECK_FALSE(ResponseCache::key(huge, 1));
}

TEST_CASE("cache with a change token: valid exactly while the token is unchanged") {
    ResponseCache cache(CachePolicy{});
    CHECK(cache.enabled(true));
    CHECK_FALSE(cache.enabled(false));
    cache.store("k", document("one"), AnswerSource::database, 7, t0);
    auto hit = cache.find("k", 7, t0 + 24h);
    REQUIRE(hit);
    CHECK(hit->body == "one");
    CHECK(hit->content_type == "application/xml");
    CHECK_FALSE(cache.find("other", 7, t0));

    // The database changed: everything kept before is gone, also for the old token.
    CHECK_FALSE(cache.find("k", 8, t0));
    CHECK_FALSE(cache.find("k", 7, t0));
}

TEST_CASE("cache: a token read before a change never keeps the answer past it") {
    ResponseCache cache(CachePolicy{});
    CHECK_FALSE(cache.find("k", 1, t0));                               // token 1 read, then lookup
    cache.store("k", document("old"), AnswerSource::database, 1, t0);  // commit lands meanwhile
    CHECK_FALSE(cache.find("k", 2, t0));                               // next request sees token 2
    cache.store("k", document("new"), AnswerSource::database, 2, t0);
    REQUIRE(cache.find("k", 2, t0));
    CHECK(cache.find("k", 2, t0)->body == "new");
}

TEST_CASE("cache without a change token: only with a TTL, and only that long") {
    ResponseCache off(CachePolicy{});
    off.store("k", document("x"), AnswerSource::database, std::nullopt, t0);
    CHECK_FALSE(off.find("k", std::nullopt, t0));

    ResponseCache ttl(CachePolicy{60s, 0s});
    CHECK(ttl.enabled(false));
    ttl.store("k", document("x"), AnswerSource::database, std::nullopt, t0);
    CHECK(ttl.find("k", std::nullopt, t0 + 59s));
    CHECK_FALSE(ttl.find("k", std::nullopt, t0 + 60s));
    // Expired entries are gone, not revived.
    CHECK_FALSE(ttl.find("k", std::nullopt, t0));
}

TEST_CASE("cache: answers with directory data only when opted in, never past its TTL") {
    ResponseCache never(CachePolicy{60s, 0s});
    never.store("k", document("x"), AnswerSource::directory, 1, t0);
    CHECK_FALSE(never.find("k", 1, t0));

    ResponseCache opted(CachePolicy{0s, 10s});
    opted.store("k", document("x"), AnswerSource::directory, 1, t0);
    CHECK(opted.find("k", 1, t0 + 9s));
    CHECK_FALSE(opted.find("k", 1, t0 + 10s));
    // Without a token the shorter of the two TTLs counts (here db_ttl 0: not kept).
    opted.store("n", document("x"), AnswerSource::directory, std::nullopt, t0);
    CHECK_FALSE(opted.find("n", std::nullopt, t0));

    ResponseCache both(CachePolicy{5s, 10s});
    both.store("k", document("x"), AnswerSource::directory, std::nullopt, t0);
    CHECK(both.find("k", std::nullopt, t0 + 4s));
    CHECK_FALSE(both.find("k", std::nullopt, t0 + 5s));
}

TEST_CASE("cache keeps only 200 answers") {
    ResponseCache cache(CachePolicy{});
    cache.store("a", Response::no_content(), AnswerSource::database, 1, t0);
    cache.store("b", Response::text(503, "x"), AnswerSource::database, 1, t0);
    CHECK_FALSE(cache.find("a", 1, t0));
    CHECK_FALSE(cache.find("b", 1, t0));
}

TEST_CASE("cache is bounded, per thread and per instance") {
    ResponseCache cache(CachePolicy{});
    for (std::size_t i = 0; i < 3 * ResponseCache::max_entries; ++i) {
        cache.store("k" + std::to_string(i), document("x"), AnswerSource::database, 1, t0);
    }
    CHECK(cache.find("k" + std::to_string(3 * ResponseCache::max_entries - 1), 1, t0));
    cache.store("big", document(std::string(ResponseCache::max_bytes, 'x')), AnswerSource::database,
                1, t0);
    CHECK_FALSE(cache.find("big", 1, t0));

    cache.store("mine", document("x"), AnswerSource::database, 1, t0);
    bool seen_elsewhere = true;
    std::thread([&] { seen_elsewhere = cache.find("mine", 1, t0).has_value(); }).join();
    CHECK_FALSE(seen_elsewhere);
    ResponseCache other(CachePolicy{});
    CHECK_FALSE(other.find("mine", 1, t0));
    CHECK(cache.find("mine", 1, t0));
    cache.clear();
    CHECK_FALSE(cache.find("mine", 1, t0));
}
