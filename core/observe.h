// GET /health and GET /metrics (SPEC §17), and what the dispatcher counts per request.
#pragma once

#include <chrono>

#include "core/dispatcher.h"
#include "core/http.h"

namespace automx2 {

// 200 "ok" when the database answers a trivial query within db_timeout, else 503
// "database unavailable" (and a log line). LDAP is not consulted.
Response handle_health(const Request& request, const Services& services);

// The Prometheus text of this process, for clients in metrics_allowed_from (else 403);
// 404 with `metrics = no`.
Response handle_metrics(const Request& request, const Services& services);

// Counts one answered request: its route (`api`: under /api/), status and duration, and
// a change made through the management API.
void count_request(const Request& request, Route route, bool api, const Response& response,
                   std::chrono::nanoseconds duration) noexcept;

}  // namespace automx2
