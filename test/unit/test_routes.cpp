#include <catch2/catch.hpp>

#include "core/dispatcher.h"

using automx2::match_route;
using automx2::Route;

TEST_CASE("every route of SPEC §6 is matched", "[routes]") {
    CHECK(match_route("/") == Route::index);
    CHECK(match_route("/mail/config-v1.1.xml") == Route::autoconfig);
    CHECK(match_route("/.well-known/autoconfig/mail/config-v1.1.xml") == Route::autoconfig);
    CHECK(match_route("/autodiscover/autodiscover.xml") == Route::autodiscover);
    CHECK(match_route("/AutoDiscover/AutoDiscover.xml") == Route::autodiscover);
    CHECK(match_route("/mobileconfig") == Route::mobileconfig);
    CHECK(match_route("/mobileconfig/") == Route::mobileconfig);
    CHECK(match_route("/initdb") == Route::initdb);
    CHECK(match_route("/initdb/") == Route::initdb);
    CHECK(match_route("/.well-known/user-agent-configuration.json") == Route::pacc);
}

TEST_CASE("anything else is not found; only autodiscover ignores case", "[routes]") {
    CHECK(match_route("") == Route::not_found);
    CHECK(match_route("/Mail/config-v1.1.xml") == Route::not_found);
    CHECK(match_route("/mail/config-v1.1.xml/") == Route::not_found);
    CHECK(match_route("/InitDB/") == Route::not_found);
    CHECK(match_route("/autodiscover/autodiscover.xml.bak") == Route::not_found);
    CHECK(match_route("/../initdb/") == Route::not_found);
}

TEST_CASE("each route names its methods", "[routes]") {
    CHECK(automx2::allowed_methods(Route::autodiscover) == "POST, OPTIONS");
    CHECK(automx2::allowed_methods(Route::autoconfig) == "GET, HEAD, OPTIONS");
    CHECK(automx2::allowed_methods(Route::initdb) == "GET, POST, DELETE, OPTIONS");
}
