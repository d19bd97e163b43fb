// The check command's items for a domain (app/commands/check.h), with the world (DNS and
// HTTPS) replaced by fakes that publish exactly what this service would, or not quite.
#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <sstream>
#include <stdexcept>

#include "app/commands/check.h"
#include "app/commands/dns.h"
#include "app/commands/lookup.h"
#include "app/probe/dns_query.h"
#include "app/probe/https_fetch.h"
#include "backends/sql_store.h"
#include "core/seed.h"

using namespace automx2;

namespace {

constexpr const char* kServiceHost = "automx2.example.net";

struct World {
    std::unique_ptr<Store> store = open_sql_store(parse_db_uri("sqlite:///:memory:"), {});
    Config config;
    std::unique_ptr<Resolver> resolver;
    std::unique_ptr<Dispatcher> dispatcher;
    // What the world publishes: records by (owner, type), documents by URL.
    std::map<std::pair<std::string, std::string>, DnsAnswer> zone;
    std::map<std::string, FetchResult> web;
    std::vector<std::string> fetched_urls;

    World() {
        store->initialise(sample_seed());
        resolver = std::make_unique<Resolver>(*store, nullptr);
        dispatcher = std::make_unique<Dispatcher>(Services{config, *store, *resolver});
    }

    // Publishes what this service would: the dns output and the dispatcher's answers.
    void publish_correctly(const std::string& domain) {
        for (const auto& set : expected_records(domain))
            zone[{set.owner, set.type}] = answer(set.data);
        auto serve = [&](const std::string& url, Request request, const std::string& host) {
            request.host = host;
            request.scheme = "https";
            const Response r = dispatcher->handle(request);
            FetchResult f;
            f.ok = true;
            f.status = r.status;
            f.body = r.body;
            web[url] = f;
        };
        const std::string address = "postmaster@" + domain;
        serve("https://autoconfig." + domain + "/mail/config-v1.1.xml?emailaddress=postmaster%40" +
                  domain,
              lookup_request(address, LookupProtocol::autoconfig), "autoconfig." + domain);
        serve("https://autodiscover." + domain + "/autodiscover/autodiscover.xml",
              lookup_request(address, LookupProtocol::autodiscover), "autodiscover." + domain);
        Request pacc;
        pacc.method = "GET";
        pacc.path = "/.well-known/user-agent-configuration.json";
        pacc.remote_addr = "127.0.0.1";
        serve("https://ua-auto-config." + domain + pacc.path, pacc, "ua-auto-config." + domain);
    }

    // What the dns command prints for `domain`.
    std::vector<ExpectedRecords> expected_records(const std::string& domain) {
        std::ostringstream out, err;
        REQUIRE(print_dns(*store, {domain}, kServiceHost, out, err) == 0);
        return parse_zone_records(out.str());
    }

    static DnsAnswer answer(std::vector<std::string> data) {
        DnsAnswer a;
        a.outcome = data.empty() ? DnsAnswer::Outcome::no_records : DnsAnswer::Outcome::records;
        a.data = std::move(data);
        return a;
    }

    std::vector<CheckItem> check(const std::string& domain) {
        CheckProbes probes{[this](const std::string& owner, const std::string& type) {
                               auto it = zone.find({owner, type});
                               return it == zone.end() ? answer({}) : it->second;
                           },
                           [this](const std::string& url, const std::string*, const std::string&) {
                               fetched_urls.push_back(url);
                               auto it = web.find(url);
                               if (it != web.end())
                                   return it->second;
                               FetchResult f;
                               f.error = "Could not resolve host";
                               return f;
                           }};
        return check_domain(*dispatcher, *store, domain, kServiceHost, probes);
    }
};

const CheckItem& item(const std::vector<CheckItem>& items, const std::string& name) {
    for (const CheckItem& i : items) {
        if (i.item == name)
            return i;
    }
    FAIL("no item " << name);
    throw std::logic_error("unreachable");
}

}  // namespace

TEST_CASE("check: a correctly published domain passes every item", "[check]") {
    World w;
    w.publish_correctly("example.com");
    const auto items = w.check("Example.COM");
    CHECK(all_passed(items));
    for (const char* name :
         {"_imaps._tcp SRV", "_submissions._tcp SRV", "_pop3._tcp SRV", "_autodiscover._tcp SRV",
          "autoconfig CNAME", "autodiscover CNAME", "_caldavs._tcp TXT", "autoconfig document",
          "autodiscover document", "ua-auto-config CNAME", "_ua-auto-config TXT", "PACC document",
          "PACC digest of the served body", "PACC digest of this service's body"}) {
        CHECK(item(items, name).status == CheckStatus::pass);
        CHECK(item(items, name).domain == "example.com");
    }
    CHECK(w.fetched_urls.at(0) ==
          "https://autoconfig.example.com/mail/"
          "config-v1.1.xml?emailaddress=postmaster%40example.com");
}

TEST_CASE("check: a missing record, a wrong target, a different body", "[check]") {
    World w;
    w.publish_correctly("example.com");
    w.zone.erase({"_imaps._tcp.example.com.", "SRV"});
    w.zone[{"autoconfig.example.com.", "CNAME"}] = World::answer({"elsewhere.example."});
    w.web.begin()->second.body += "<!-- changed -->";
    const auto items = w.check("example.com");
    CHECK_FALSE(all_passed(items));
    CHECK(item(items, "_imaps._tcp SRV").status == CheckStatus::missing);
    CHECK(item(items, "autoconfig CNAME").status == CheckStatus::differs);
    CHECK(item(items, "_submissions._tcp SRV").status == CheckStatus::pass);
    std::size_t differing_documents = 0;
    for (const CheckItem& i : items) {
        if (i.item.ends_with("document") && i.status == CheckStatus::differs)
            ++differing_documents;
    }
    CHECK(differing_documents == 1);
}

TEST_CASE("check: a PACC digest that is not the body's", "[check]") {
    World w;
    w.publish_correctly("example.com");
    auto& txt = w.zone.at({"_ua-auto-config.example.com.", "TXT"});
    REQUIRE(txt.data.size() == 1);
    txt.data[0] = "v=UAAC1; a=sha256; d=" + pacc_body_digest("another body");
    auto items = w.check("example.com");
    CHECK(item(items, "_ua-auto-config TXT").status == CheckStatus::differs);
    CHECK(item(items, "PACC digest of the served body").status == CheckStatus::differs);
    CHECK(item(items, "PACC digest of this service's body").status == CheckStatus::differs);
    CHECK(item(items, "PACC document").status == CheckStatus::pass);

    // The right digest beside the old one (a rotation) passes; a changed body does not.
    txt.data.push_back(
        "v=UAAC1; a=sha256; d=" +
        pacc_body_digest(
            w.web.at("https://ua-auto-config.example.com/.well-known/user-agent-configuration.json")
                .body));
    CHECK(all_passed(w.check("example.com")));
    w.web.at("https://ua-auto-config.example.com/.well-known/user-agent-configuration.json").body +=
        " ";
    items = w.check("example.com");
    CHECK(item(items, "PACC document").status == CheckStatus::differs);
    CHECK(item(items, "PACC digest of the served body").status == CheckStatus::differs);
    CHECK(item(items, "PACC digest of this service's body").status == CheckStatus::pass);
}

TEST_CASE("check: nothing reachable is an error per item", "[check]") {
    World w;
    DnsAnswer down;
    down.error = "timed out";
    for (const auto& set : w.expected_records("example.com"))
        w.zone[{set.owner, set.type}] = down;
    for (const CheckItem& i : w.check("example.com"))
        CHECK(i.status == CheckStatus::error);
}

TEST_CASE("check: unknown and invalid domains", "[check]") {
    World w;
    auto unknown = w.check("nowhere.example");
    REQUIRE(unknown.size() == 1);
    CHECK(unknown[0].status == CheckStatus::error);
    CHECK(unknown[0].detail == "not in the database");
    auto invalid = w.check("bad domain!");
    REQUIRE(invalid.size() == 1);
    CHECK(invalid[0].detail == "not a domain name");
    CHECK(w.fetched_urls.empty());
}

TEST_CASE("check: resolver addresses and fetches that never leave the machine", "[check]") {
    using std::chrono::milliseconds;
    for (const char* bad :
         {"not-an-address", "127.0.0.1:0", "127.0.0.1:65536", "[::1", "[::1]53", "192.0.2.1:x"}) {
        INFO(bad);
        CHECK_THROWS_AS(DnsQuery(std::string(bad), milliseconds(100)), std::invalid_argument);
    }
    for (const char* good : {"127.0.0.1", "127.0.0.1:5353", "::1", "[::1]:5353"})
        CHECK_NOTHROW(DnsQuery(std::string(good), milliseconds(100)));

    // https only: another scheme is refused before any connection.
    const HttpsSession https;
    FetchOptions options;
    options.timeout = milliseconds(500);
    for (const char* url : {"http://127.0.0.1:1/", "ftp://127.0.0.1:1/", "file:///etc/passwd"}) {
        INFO(url);
        const FetchResult result = https_fetch(options, url);
        CHECK_FALSE(result.ok);
        CHECK_FALSE(result.error.empty());
    }
}
