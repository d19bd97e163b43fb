#include "core/observe.h"

#include <algorithm>
#include <array>

#include "core/errors.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/metrics_page.h"
#include "core/metrics_text.h"
#include "core/text.h"

namespace automx2 {
namespace {

// The route label by Route, then the management API. An index fits kMaxRoutes.
constexpr std::array<metrics::RouteLabel, 14> route_labels{{
    {"index"},
    {"autoconfig", true},
    {"autodiscover", true},
    {"autodiscover_json", true},
    {"mobileconfig", true},
    {"pacc", true},
    {"initdb"},
    {"setup", true},
    {"setup_css"},
    {"setup_qr", true},
    {"health"},
    {"metrics"},
    {"not_found"},
    {"api"},
}};
constexpr std::size_t api_index = route_labels.size() - 1;
static_assert(static_cast<std::size_t>(Route::not_found) + 1 == api_index,
              "one label per Route, in order");
static_assert(route_labels.size() <= metrics::kMaxRoutes);

// PUT, DELETE and import under /api/v1/ that changed something.
std::optional<metrics::Change> api_change(const Request& request, int status) {
    if (request.path.starts_with("/api/v1/domains/")) {
        if (request.method == "PUT" && (status == 200 || status == 201)) {
            return status == 201 ? metrics::Change::create : metrics::Change::replace;
        }
        if (request.method == "DELETE" && status == 204) {
            return metrics::Change::remove;
        }
    } else if (request.path == "/api/v1/import" && request.method == "POST" && status == 200) {
        const auto dry_run = request.param("dry_run");
        if (!dry_run || !(*dry_run == "1" || text::iequals(*dry_run, "true") ||
                          text::iequals(*dry_run, "yes"))) {
            return metrics::Change::import;
        }
    }
    return std::nullopt;
}

}  // namespace

Response handle_health(const Request& request, const Services& services) {
    static_cast<void>(request);
    Response response;
    try {
        services.store.ping();
        response = Response::text(200, "ok\n");
    } catch (const BackendUnavailable& e) {
        log::error(std::string("health: database unavailable: ") + e.what());
        response = Response::text(503, "database unavailable\n");
        response.headers.emplace_back("Retry-After", "5");
    }
    // A poller must see the state of now, never a copy kept by a cache on the way.
    response.headers.emplace_back("Cache-Control", "no-store");
    return response;
}

Response handle_metrics(const Request& request, const Services& services) {
    const metrics::Registry& registry = metrics::registry();
    if (!registry.enabled()) {
        return Response::text(404, "Not found: metrics are off (metrics = no)\n");
    }
    const auto& allowed = services.config.metrics_allowed_from;
    if (std::none_of(allowed.begin(), allowed.end(), [&](const Network& network) {
            return network.contains(request.remote_addr);
        })) {
        log::warning("GET /metrics refused for client " + request.remote_addr +
                     " (metrics_allowed_from)");
        return Response::text(403, "Forbidden\n");
    }
    std::optional<metrics::ProcessStats> process;
    if (const auto source = metrics::process_stats_source()) {
        process = source();
    }
    const metrics::Snapshot counters = registry.snapshot();
    Response response = Response::text(
        200, metrics::render_page(
                 {counters, route_labels, services.store.pool_usage(), process, AUTOMX2_VERSION}));
    response.content_type = std::string(metrics::kContentType);
    response.headers.emplace_back("Cache-Control", "no-store");
    return response;
}

void count_request(const Request& request, Route route, bool api, const Response& response,
                   std::chrono::nanoseconds duration) noexcept {
    metrics::Registry& registry = metrics::registry();
    const std::size_t index = api ? api_index : static_cast<std::size_t>(route);
    registry.request(index, response.status, duration);
    if (api) {
        try {
            if (const auto change = api_change(request, response.status)) {
                registry.change(*change);
            }
        } catch (...) {
            // Out of memory while looking at the query: the answer matters, not the count.
        }
    }
}

}  // namespace automx2
