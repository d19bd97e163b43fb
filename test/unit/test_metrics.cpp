// The metrics registry (per-thread shards added up at scrape time), the exposition
// format (escaping, cumulative histogram buckets, +Inf, _sum and _count) and the two
// operational routes over a fake store.
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "core/dispatcher.h"
#include "core/errors.h"
#include "core/metrics.h"
#include "core/metrics_page.h"
#include "core/metrics_text.h"

using namespace automx2;
using namespace automx2::metrics;

namespace {

bool has_line(const std::string& text, const std::string& line) {
    return text.find("\n" + line + "\n") != std::string::npos || text.rfind(line + "\n", 0) == 0;
}

}  // namespace

TEST_CASE("label values escape backslash, double quote and new line only") {
    CHECK(escape_label_value("plain") == "plain");
    CHECK(escape_label_value("a\\b\"c\nd") == "a\\\\b\\\"c\\nd");
    CHECK(escape_label_value("tab\there, ünïcode") == "tab\there, ünïcode");
}

TEST_CASE("values as Prometheus reads them") {
    CHECK(format_value(0) == "0");
    CHECK(format_value(1) == "1");
    CHECK(format_value(2.5) == "2.5");
    CHECK(format_value(0.0001) == "0.0001");
    CHECK(format_value(1e20) == "1e+20");
    CHECK(format_value(std::numeric_limits<double>::infinity()) == "+Inf");
    CHECK(format_value(-std::numeric_limits<double>::infinity()) == "-Inf");
    CHECK(format_value(std::nan("")) == "NaN");
}

TEST_CASE("a family: HELP escaped, TYPE, samples with escaped labels") {
    TextWriter out;
    out.family("x_total", "counter", "Help with \\ and\nnew line.");
    out.sample("x_total", {{"route", "a\"b"}, {"status", "200"}}, std::uint64_t{7});
    out.sample("x_total", {}, std::uint64_t{0});
    CHECK(out.text() ==
          "# HELP x_total Help with \\\\ and\\nnew line.\n"
          "# TYPE x_total counter\n"
          "x_total{route=\"a\\\"b\",status=\"200\"} 7\n"
          "x_total 0\n");
}

TEST_CASE("histogram buckets are cumulative and end in +Inf, with _sum and _count") {
    TextWriter out;
    const std::vector<double> bounds{0.1, 1, 2.5};
    const std::vector<std::uint64_t> counts{2, 0, 3, 4};  // 4 above 2.5
    out.histogram("h_seconds", {{"route", "x"}}, bounds, counts, 12.25);
    CHECK(out.text() ==
          "h_seconds_bucket{route=\"x\",le=\"0.1\"} 2\n"
          "h_seconds_bucket{route=\"x\",le=\"1\"} 2\n"
          "h_seconds_bucket{route=\"x\",le=\"2.5\"} 5\n"
          "h_seconds_bucket{route=\"x\",le=\"+Inf\"} 9\n"
          "h_seconds_sum{route=\"x\"} 12.25\n"
          "h_seconds_count{route=\"x\"} 9\n");
}

TEST_CASE("latency slots: a bound is inclusive (le), slower goes to +Inf") {
    CHECK(latency_slot(0) == 0);
    CHECK(latency_slot(kLatencyBounds[0]) == 0);
    CHECK(latency_slot(0.001) == 3);
    CHECK(latency_slot(0.0011) == 4);
    CHECK(latency_slot(kLatencyBounds.back()) == kLatencyBounds.size() - 1);
    CHECK(latency_slot(1000) == kLatencyBounds.size());
}

TEST_CASE("counts of every thread add up at scrape time") {
    Registry registry;
    constexpr int threads = 8, each = 5000;
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&registry, t] {
            for (int i = 0; i < each; ++i) {
                registry.request(1, t % 2 == 0 ? 200 : 204, std::chrono::microseconds(300));
            }
            registry.fault(Backend::ldap, Fault::timeout);
            registry.change(Change::import);
        });
    }
    for (auto& w : workers) {
        w.join();  // the shards outlive their threads
    }
    const Snapshot s = registry.snapshot();
    CHECK(s.requests[1][200 - kFirstStatus] == threads / 2 * each);
    CHECK(s.requests[1][204 - kFirstStatus] == threads / 2 * each);
    CHECK(s.latency[1][latency_slot(0.0003)] == threads * each);
    CHECK(s.latency_sum_ns[1] == std::uint64_t{threads} * each * 300'000);
    CHECK(s.faults[1][1] == threads);
    CHECK(s.faults[0][0] == 0);
    CHECK(s.changes[static_cast<std::size_t>(Change::import)] == threads);
    // Later records only add.
    registry.request(1, 200, std::chrono::milliseconds(5));
    CHECK(registry.snapshot().requests[1][200 - kFirstStatus] == threads / 2 * each + 1);
}

TEST_CASE("off, out of range: nothing counted") {
    Registry registry;
    registry.request(kMaxRoutes, 200, {});
    registry.request(0, 99, {});
    registry.request(0, 600, {});
    registry.set_enabled(false);
    registry.request(0, 200, {});
    registry.fault(Backend::database, Fault::error);
    const Snapshot s = registry.snapshot();
    for (const auto& route : s.requests) {
        for (auto n : route) {
            CHECK(n == 0);
        }
    }
    CHECK(s.faults[0][0] == 0);
}

TEST_CASE("the page: every family typed, unknown domains by route, build info") {
    Registry registry;
    registry.request(0, 204, std::chrono::milliseconds(2));
    registry.request(0, 200, std::chrono::milliseconds(2));
    registry.request(1, 200, std::chrono::seconds(9));
    registry.fault(Backend::database, Fault::timeout);
    const Snapshot counters = registry.snapshot();
    const RouteLabel routes[] = {{"autoconfig", true}, {"health", false}};
    ProcessStats process;
    process.open_fds = 12;
    const std::string page = render_page({counters, routes, PoolUsage{3, 16}, process, "1.2.3"});
    CHECK(has_line(page, "# TYPE automx2_requests_total counter"));
    CHECK(has_line(page, "automx2_requests_total{route=\"autoconfig\",status=\"200\"} 1"));
    CHECK(has_line(page, "automx2_requests_total{route=\"autoconfig\",status=\"204\"} 1"));
    CHECK(has_line(page, "automx2_requests_total{route=\"health\",status=\"200\"} 1"));
    CHECK(page.find("status=\"404\"") == std::string::npos);  // zero series are left out
    CHECK(has_line(page, "automx2_unknown_domain_answers_total{route=\"autoconfig\"} 1"));
    CHECK(page.find("automx2_unknown_domain_answers_total{route=\"health\"}") == std::string::npos);
    CHECK(has_line(page, "# TYPE automx2_request_duration_seconds histogram"));
    CHECK(has_line(
        page, "automx2_request_duration_seconds_bucket{route=\"autoconfig\",le=\"0.0025\"} 2"));
    CHECK(has_line(page, "automx2_request_duration_seconds_bucket{route=\"health\",le=\"2.5\"} 0"));
    CHECK(
        has_line(page, "automx2_request_duration_seconds_bucket{route=\"health\",le=\"+Inf\"} 1"));
    CHECK(has_line(page, "automx2_request_duration_seconds_sum{route=\"health\"} 9"));
    CHECK(has_line(page, "automx2_request_duration_seconds_count{route=\"autoconfig\"} 2"));
    CHECK(has_line(page, "automx2_backend_errors_total{backend=\"database\",kind=\"timeout\"} 1"));
    CHECK(has_line(page, "automx2_backend_errors_total{backend=\"ldap\",kind=\"error\"} 0"));
    CHECK(has_line(page, "automx2_api_changes_total{operation=\"delete\"} 0"));
    CHECK(has_line(page, "automx2_db_sessions_in_use 3"));
    CHECK(has_line(page, "automx2_db_sessions 16"));
    CHECK(has_line(page, "automx2_build_info{version=\"1.2.3\"} 1"));
    CHECK(has_line(page, "process_open_fds 12"));
    CHECK(has_line(page, "# TYPE process_cpu_seconds_total counter"));
}

namespace {

class PingStore : public Store {
  public:
    bool down = false;
    std::optional<DomainRecord> find_domain(const std::string&) override { return std::nullopt; }
    void ensure_schema() override {}
    bool has_tables() override { return true; }
    InitOutcome initialise(const Seed&) override { return InitOutcome::already_populated; }
    std::vector<long> ldap_server_ids() override { return {}; }
    void purge() override {}
    StoreStats stats() override { return {}; }
    void ping() override {
        if (down)
            throw BackendUnavailable("database: ping: connection refused");
    }
    PoolUsage pool_usage() override { return {1, 4}; }
};

struct Fixture {
    Config config;
    PingStore store;
    Resolver resolver{store, nullptr};
    Dispatcher dispatcher{Services{config, store, resolver}};

    Response get(const std::string& path, const std::string& from = "127.0.0.1") {
        Request request;
        request.method = "GET";
        request.path = path;
        request.remote_addr = from;
        return dispatcher.handle(request);
    }
};

}  // namespace

TEST_CASE("GET /health: ok while the database answers, 503 naming the class when not") {
    Fixture f;
    Response up = f.get("/health");
    CHECK(up.status == 200);
    CHECK(up.body == "ok\n");
    CHECK(up.content_type.starts_with("text/plain"));
    f.store.down = true;
    Response down = f.get("/health");
    CHECK(down.status == 503);
    CHECK(down.body == "database unavailable\n");
    CHECK(down.body.find("refused") == std::string::npos);  // the cause only in the log
}

TEST_CASE("GET /metrics: loopback by default, others 403; counts requests") {
    Fixture f;
    CHECK(f.get("/metrics", "192.0.2.7").status == 403);
    f.config.metrics_allowed_from = parse_network_list("192.0.2.0/24");
    CHECK(f.get("/metrics", "127.0.0.1").status == 403);
    Response page = f.get("/metrics", "192.0.2.7");
    REQUIRE(page.status == 200);
    CHECK(page.content_type == std::string(kContentType));
    CHECK(page.body.find("automx2_db_sessions 4\n") != std::string::npos);
    // The process registry counts: one more /health after three.
    auto health_count = [&] {
        const std::string body = f.get("/metrics", "192.0.2.7").body;
        const std::string key = "automx2_requests_total{route=\"health\",status=\"200\"} ";
        const auto at = body.find(key);
        return at == std::string::npos ? 0L : std::stol(body.substr(at + key.size()));
    };
    const long before = health_count();
    for (int i = 0; i < 3; ++i) {
        f.get("/health");
    }
    CHECK(health_count() == before + 3);
}
