// What real clients need (SPEC §12): Autodiscover v2 JSON, the mailmaint location,
// through the dispatcher over the real SQL store on SQLite :memory:.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "backends/sql_store.h"
#include "core/dispatcher.h"
#include "core/seed.h"

using namespace automx2;
using nlohmann::json;

namespace {

struct Stack {
    Config config;
    std::unique_ptr<Store> store = open_sql_store(parse_db_uri("sqlite:///:memory:"), {});
    Resolver resolver{*store, nullptr};
    Dispatcher dispatcher{Services{config, *store, resolver}};
    Stack() { store->initialise(sample_seed()); }

    Response get(std::string path, std::string query = {},
                 std::string host = "autodiscover.example.com") {
        Request r;
        r.method = "GET";
        r.path = std::move(path);
        r.query_string = std::move(query);
        r.query = parse_query(r.query_string);
        r.host = std::move(host);
        r.remote_addr = "192.0.2.1";
        return dispatcher.handle(r);
    }
};

const json v1_answer = {{"Protocol", "AutodiscoverV1"},
                        {"Url", "https://autodiscover.example.com/autodiscover/autodiscover.xml"}};

}  // namespace

TEST_CASE("v2 JSON: both URL forms, any case of path and Protocol", "[clients][v2]") {
    Stack s;
    for (const auto& [path, query] : std::vector<std::pair<std::string, std::string>>{
             {"/autodiscover/autodiscover.json",
              "Email=alice%40example.com&Protocol=AutodiscoverV1"},
             {"/autodiscover/autodiscover.json",
              "Email=alice%40example.com&Protocol=autodiscoverv1"},
             {"/AutoDiscover/AutoDiscover.json",
              "email=alice%40example.com&protocol=AUTODISCOVERV1"},
             {"/autodiscover/autodiscover.json/v1.0/alice@example.com", "Protocol=AutodiscoverV1"},
             {"/Autodiscover/Autodiscover.json/V1.0/alice@example.com", "Protocol=AutoDiscoverV1"},
             // Lenient like Microsoft's service: the answer does not depend on Email.
             {"/autodiscover/autodiscover.json", "Protocol=AutodiscoverV1"},
             {"/autodiscover/autodiscover.json", "Email=not-an-address&Protocol=AutodiscoverV1"},
         }) {
        INFO(path << "?" << query);
        Response r = s.get(path, query);
        CHECK(r.status == 200);
        CHECK(r.content_type == "application/json");
        CHECK(json::parse(r.body) == v1_answer);
    }
}

TEST_CASE("v2 JSON: the Url names the request's host", "[clients][v2]") {
    Stack s;
    Response r = s.get("/autodiscover/autodiscover.json", "Protocol=AutodiscoverV1",
                       "mail.example.net:8443");
    REQUIRE(r.status == 200);
    CHECK(json::parse(r.body)["Url"] ==
          "https://mail.example.net:8443/autodiscover/autodiscover.xml");
}

TEST_CASE("v2 JSON: other or missing Protocol is InvalidProtocol, never echoed", "[clients][v2]") {
    Stack s;
    for (const std::string& query :
         {std::string("Email=alice%40example.com&Protocol=ActiveSync"),
          std::string("Email=alice%40example.com"), std::string("Protocol="),
          std::string("Protocol=%22%3Cscript%3E&Email=%22%7D%2C%22x%22%3A1")}) {
        INFO(query);
        Response r = s.get("/autodiscover/autodiscover.json", query);
        CHECK(r.status == 400);
        CHECK(r.content_type == "application/json");
        json body = json::parse(r.body);
        CHECK(body["ErrorCode"] == "InvalidProtocol");
        CHECK(body["ErrorMessage"].is_string());
        CHECK(body.size() == 2);
        CHECK(r.body.find("script") == std::string::npos);
    }
    CHECK(s.get("/autodiscover/autodiscover.json/v1.0/a@example.com", "Protocol=Rest").status ==
          400);
}

TEST_CASE("v2 JSON: an unusable Host is 400, not a broken URL", "[clients][v2]") {
    Stack s;
    for (const std::string& host :
         {std::string(""), std::string("a\"b.example"), std::string("a b.example"),
          std::string("evil.example/x"), std::string("x.example\r\nSet-Cookie: a=b"),
          std::string(300, 'a')}) {
        Response r = s.get("/autodiscover/autodiscover.json", "Protocol=AutodiscoverV1", host);
        CHECK(r.status == 400);
        CHECK(json::parse(r.body).contains("ErrorCode"));
    }
    CHECK(s.get("/autodiscover/autodiscover.json", "Protocol=AutodiscoverV1", "[2001:db8::1]:443")
              .status == 200);
}

TEST_CASE("v2 JSON: routes and methods", "[clients][v2][routes]") {
    CHECK(match_route("/autodiscover/autodiscover.json") == Route::autodiscover_json);
    CHECK(match_route("/AUTODISCOVER/AUTODISCOVER.JSON") == Route::autodiscover_json);
    CHECK(match_route("/autodiscover/autodiscover.json/v1.0/a@b.example") ==
          Route::autodiscover_json);
    CHECK(match_route("/autodiscover/autodiscover.json/v1.0/") == Route::not_found);
    CHECK(match_route("/autodiscover/autodiscover.json/v2.0/a@b.example") == Route::not_found);
    CHECK(match_route("/autodiscover/autodiscover.jsonx") == Route::not_found);
    CHECK(allowed_methods(Route::autodiscover_json) == "GET, HEAD, OPTIONS");
    Stack s;
    Request r;
    r.method = "POST";
    r.path = "/autodiscover/autodiscover.json";
    CHECK(s.dispatcher.handle(r).status == 405);
}

TEST_CASE("the mailmaint location serves Autoconfig", "[clients][routes]") {
    CHECK(match_route("/.well-known/mail-v1.xml") == Route::autoconfig);
    CHECK(match_route("/.well-known/MAIL-v1.xml") == Route::not_found);
    Stack s;
    Response classic = s.get("/mail/config-v1.1.xml", "emailaddress=alice%40example.com");
    Response draft = s.get("/.well-known/mail-v1.xml", "emailaddress=alice%40example.com");
    REQUIRE(classic.status == 200);
    CHECK(draft.status == 200);
    CHECK(draft.content_type == classic.content_type);
    CHECK(draft.body == classic.body);
    // Without an address: the domain named by Host.
    Response by_host = s.get("/.well-known/mail-v1.xml", "", "autoconfig.example.com:443");
    CHECK(by_host.status == 200);
    CHECK(by_host.body.find("%EMAILADDRESS%") != std::string::npos);
    CHECK(s.get("/.well-known/mail-v1.xml", "", "autoconfig.unknown.example").status == 400);
}
