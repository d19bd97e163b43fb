#include "core/metrics_page.h"

#include <atomic>

#include "core/metrics_text.h"

namespace automx2::metrics {
namespace {

std::atomic<ProcessStatsSource> process_source{nullptr};

constexpr std::string_view backend_names[kBackends] = {"database", "ldap"};
constexpr std::string_view fault_names[kFaults] = {"error", "timeout"};
constexpr std::string_view change_names[kChanges] = {"create", "replace", "delete", "import"};

void requests(TextWriter& out, const PageInput& in) {
    out.family("automx2_requests_total", "counter", "Requests answered, by route and status.");
    for (std::size_t r = 0; r < in.routes.size() && r < kMaxRoutes; ++r) {
        for (std::size_t s = 0; s < kStatuses; ++s) {
            if (const std::uint64_t n = in.counters.requests[r][s]; n != 0) {
                out.sample("automx2_requests_total",
                           {{"route", std::string(in.routes[r].name)},
                            {"status", std::to_string(static_cast<int>(s) + kFirstStatus)}},
                           n);
            }
        }
    }
    out.family("automx2_unknown_domain_answers_total", "counter",
               "Answers 204 (unknown domain or no LDAP entry), by route.");
    constexpr std::size_t no_content = 204 - kFirstStatus;
    for (std::size_t r = 0; r < in.routes.size() && r < kMaxRoutes; ++r) {
        if (in.routes[r].answers_unknown_domain) {
            out.sample("automx2_unknown_domain_answers_total",
                       {{"route", std::string(in.routes[r].name)}},
                       in.counters.requests[r][no_content]);
        }
    }
    out.family("automx2_request_duration_seconds", "histogram",
               "Time from the request read to the answer made, by route.");
    for (std::size_t r = 0; r < in.routes.size() && r < kMaxRoutes; ++r) {
        out.histogram("automx2_request_duration_seconds",
                      {{"route", std::string(in.routes[r].name)}}, kLatencyBounds,
                      in.counters.latency[r],
                      static_cast<double>(in.counters.latency_sum_ns[r]) / 1e9);
    }
}

void backends(TextWriter& out, const PageInput& in) {
    out.family("automx2_backend_errors_total", "counter",
               "Database and LDAP calls that failed (answered 503), by backend and kind.");
    for (std::size_t b = 0; b < kBackends; ++b) {
        for (std::size_t f = 0; f < kFaults; ++f) {
            out.sample(
                "automx2_backend_errors_total",
                {{"backend", std::string(backend_names[b])}, {"kind", std::string(fault_names[f])}},
                in.counters.faults[b][f]);
        }
    }
    out.family("automx2_api_changes_total", "counter",
               "Changes made through the management API, by operation.");
    for (std::size_t c = 0; c < kChanges; ++c) {
        out.sample("automx2_api_changes_total", {{"operation", std::string(change_names[c])}},
                   in.counters.changes[c]);
    }
    out.family("automx2_db_sessions_in_use", "gauge", "Pooled database sessions leased now.");
    out.sample("automx2_db_sessions_in_use", {}, static_cast<std::uint64_t>(in.pool.in_use));
    out.family("automx2_db_sessions", "gauge", "Size of the database session pool.");
    out.sample("automx2_db_sessions", {}, static_cast<std::uint64_t>(in.pool.size));
}

void process(TextWriter& out, const ProcessStats& p) {
    out.family("process_cpu_seconds_total", "counter", "User and system CPU time, in seconds.");
    out.sample("process_cpu_seconds_total", {}, p.cpu_seconds);
    out.family("process_resident_memory_bytes", "gauge", "Resident memory size, in bytes.");
    out.sample("process_resident_memory_bytes", {}, p.resident_bytes);
    out.family("process_virtual_memory_bytes", "gauge", "Virtual memory size, in bytes.");
    out.sample("process_virtual_memory_bytes", {}, p.virtual_bytes);
    out.family("process_open_fds", "gauge", "Open file descriptors.");
    out.sample("process_open_fds", {}, p.open_fds);
    out.family("process_max_fds", "gauge", "Limit of open file descriptors.");
    out.sample("process_max_fds", {}, p.max_fds);
    out.family("process_start_time_seconds", "gauge",
               "Start time of the process since the Unix epoch, in seconds.");
    out.sample("process_start_time_seconds", {}, p.start_time_seconds);
}

}  // namespace

void set_process_stats_source(ProcessStatsSource source) {
    process_source.store(source);
}

ProcessStatsSource process_stats_source() {
    return process_source.load();
}

std::string render_page(const PageInput& input) {
    TextWriter out;
    requests(out, input);
    backends(out, input);
    out.family("automx2_build_info", "gauge", "Always 1; the version in its label.");
    out.sample("automx2_build_info", {{"version", std::string(input.version)}}, std::uint64_t{1});
    if (input.process) {
        process(out, *input.process);
    }
    return out.text();
}

}  // namespace automx2::metrics
