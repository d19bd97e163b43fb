// The counters behind GET /metrics (SPEC §17). Every worker thread writes its own
// shard (plain relaxed stores, no lock, no shared cache line on the request path); a
// scrape adds the shards up. Shards live as long as the registry, so a counter never
// goes backwards while the process lives, even when a thread ends.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace automx2::metrics {

inline constexpr std::size_t kMaxRoutes = 16;
inline constexpr int kFirstStatus = 100;
inline constexpr int kLastStatus = 599;
inline constexpr std::size_t kStatuses = kLastStatus - kFirstStatus + 1;
// Upper bounds of the latency histogram, in seconds: an answer from the response cache
// takes tens of microseconds, a database timeout seconds.
inline constexpr std::array<double, 14> kLatencyBounds{
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};
// Slots per route: one per bound, and one for slower answers (+Inf).
inline constexpr std::size_t kLatencySlots = kLatencyBounds.size() + 1;

enum class Backend : std::uint8_t { database, ldap };
enum class Fault : std::uint8_t { error, timeout };
inline constexpr std::size_t kBackends = 2;
inline constexpr std::size_t kFaults = 2;

// What the management API changed (SPEC §15).
enum class Change : std::uint8_t { create, replace, remove, import };
inline constexpr std::size_t kChanges = 4;

// The shards added up: plain numbers, read once per scrape.
struct Snapshot {
    // [route][status - kFirstStatus]
    std::vector<std::array<std::uint64_t, kStatuses>> requests;
    // [route][slot]: not cumulative; the last slot is above every bound.
    std::vector<std::array<std::uint64_t, kLatencySlots>> latency;
    std::vector<std::uint64_t> latency_sum_ns;  // [route]
    std::array<std::array<std::uint64_t, kFaults>, kBackends> faults{};
    std::array<std::uint64_t, kChanges> changes{};
};

class Registry {
  public:
    Registry();
    ~Registry();
    Registry(const Registry&) = delete;
    Registry& operator=(const Registry&) = delete;

    // Off (config `metrics = no`): the record calls return at once.
    void set_enabled(bool enabled) { enabled_.store(enabled, std::memory_order_relaxed); }
    bool enabled() const { return enabled_.load(std::memory_order_relaxed); }

    // One answered request; `route` < kMaxRoutes (else ignored), `status` 100..599 (else
    // ignored).
    void request(std::size_t route, int status, std::chrono::nanoseconds duration) noexcept;
    void fault(Backend backend, Fault fault) noexcept;
    void change(Change change) noexcept;

    Snapshot snapshot() const;

  private:
    struct Shard;
    Shard* shard() noexcept;

    const std::uint64_t id_;  // tells registries apart in the threads' shard caches
    std::atomic<bool> enabled_{true};
    mutable std::mutex mutex_;  // guards shards_ (a thread's first record; scrapes)
    std::vector<std::unique_ptr<Shard>> shards_;
};

// The process's registry: the dispatcher and the backends record into it.
Registry& registry();

// Index of `seconds` in kLatencyBounds' slots (le: a bound is inclusive).
std::size_t latency_slot(double seconds) noexcept;

}  // namespace automx2::metrics
