// The text of GET /metrics: the registry's counters by route, status, backend and
// operation, the session pool, the build and the process (SPEC §17). Names and units
// follow Prometheus' conventions (seconds, bytes, _total for counters).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/metrics.h"
#include "core/store.h"

namespace automx2::metrics {

// The standard process metrics; read from the operating system by the caller.
struct ProcessStats {
    double cpu_seconds = 0;  // user + system
    double resident_bytes = 0;
    double virtual_bytes = 0;
    double open_fds = 0;
    double max_fds = 0;             // the soft limit
    double start_time_seconds = 0;  // since the Unix epoch
};

using ProcessStatsSource = std::optional<ProcessStats> (*)();

// Reads them where the operating system is known (fcgi/process_stats.cpp); null: the
// process metrics are left out.
void set_process_stats_source(ProcessStatsSource source);
ProcessStatsSource process_stats_source();

struct RouteLabel {
    std::string_view name;
    // A 204 on this route means an unknown domain (or no LDAP entry): counted in
    // automx2_unknown_domain_answers_total.
    bool answers_unknown_domain = false;
};

struct PageInput {
    const Snapshot& counters;
    std::span<const RouteLabel> routes;  // by the registry's route index
    PoolUsage pool;
    std::optional<ProcessStats> process;
    std::string_view version;
};

std::string render_page(const PageInput& input);

}  // namespace automx2::metrics
