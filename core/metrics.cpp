#include "core/metrics.h"

#include <algorithm>
#include <new>

namespace automx2::metrics {
namespace {

using Counter = std::atomic<std::uint64_t>;

// Only the owning thread writes a shard: a relaxed load and store is enough (no locked
// read-modify-write), and a scrape still reads whole values.
void add(Counter& counter, std::uint64_t amount) noexcept {
    counter.store(counter.load(std::memory_order_relaxed) + amount, std::memory_order_relaxed);
}

std::uint64_t read(const Counter& counter) noexcept {
    return counter.load(std::memory_order_relaxed);
}

std::atomic<std::uint64_t> next_registry_id{1};

// The calling thread's shard of the registry it used last. The process has one
// registry; a thread switching between two (tests) takes a new shard at each switch,
// which only costs memory: the sums stay right.
struct ShardCache {
    std::uint64_t registry = 0;
    void* shard = nullptr;
};
thread_local ShardCache cache;

}  // namespace

struct alignas(64) Registry::Shard {
    std::array<std::array<Counter, kStatuses>, kMaxRoutes> requests{};
    std::array<std::array<Counter, kLatencySlots>, kMaxRoutes> latency{};
    std::array<Counter, kMaxRoutes> latency_sum_ns{};
    std::array<std::array<Counter, kFaults>, kBackends> faults{};
    std::array<Counter, kChanges> changes{};
};

Registry::Registry() : id_(next_registry_id.fetch_add(1)) {}

Registry::~Registry() = default;

Registry::Shard* Registry::shard() noexcept {
    if (cache.registry == id_) {
        return static_cast<Shard*>(cache.shard);
    }
    // The thread's first record here: a shard of its own, kept until the registry ends.
    std::unique_ptr<Shard> made(new (std::nothrow) Shard);
    if (!made) {
        return nullptr;
    }
    Shard* own = made.get();
    try {
        std::lock_guard lock(mutex_);
        shards_.push_back(std::move(made));
    } catch (...) {
        return nullptr;  // not counted; `made` still frees the shard
    }
    cache = {id_, own};
    return own;
}

std::size_t latency_slot(double seconds) noexcept {
    const auto* bound = std::lower_bound(kLatencyBounds.begin(), kLatencyBounds.end(), seconds);
    return static_cast<std::size_t>(bound - kLatencyBounds.begin());
}

void Registry::request(std::size_t route, int status, std::chrono::nanoseconds duration) noexcept {
    if (!enabled() || route >= kMaxRoutes || status < kFirstStatus || status > kLastStatus) {
        return;
    }
    Shard* own = shard();
    if (own == nullptr) {
        return;
    }
    add(own->requests[route][static_cast<std::size_t>(status - kFirstStatus)], 1);
    const auto ns = static_cast<std::uint64_t>(std::max<std::int64_t>(duration.count(), 0));
    add(own->latency[route][latency_slot(static_cast<double>(ns) / 1e9)], 1);
    add(own->latency_sum_ns[route], ns);
}

void Registry::fault(Backend backend, Fault fault) noexcept {
    if (!enabled()) {
        return;
    }
    if (Shard* own = shard()) {
        add(own->faults[static_cast<std::size_t>(backend)][static_cast<std::size_t>(fault)], 1);
    }
}

void Registry::change(Change change) noexcept {
    if (!enabled()) {
        return;
    }
    if (Shard* own = shard()) {
        add(own->changes[static_cast<std::size_t>(change)], 1);
    }
}

Snapshot Registry::snapshot() const {
    Snapshot sum;
    sum.requests.assign(kMaxRoutes, {});
    sum.latency.assign(kMaxRoutes, {});
    sum.latency_sum_ns.assign(kMaxRoutes, 0);
    std::lock_guard lock(mutex_);
    for (const auto& shard : shards_) {
        for (std::size_t r = 0; r < kMaxRoutes; ++r) {
            for (std::size_t s = 0; s < kStatuses; ++s) {
                sum.requests[r][s] += read(shard->requests[r][s]);
            }
            for (std::size_t b = 0; b < kLatencySlots; ++b) {
                sum.latency[r][b] += read(shard->latency[r][b]);
            }
            sum.latency_sum_ns[r] += read(shard->latency_sum_ns[r]);
        }
        for (std::size_t b = 0; b < kBackends; ++b) {
            for (std::size_t f = 0; f < kFaults; ++f) {
                sum.faults[b][f] += read(shard->faults[b][f]);
            }
        }
        for (std::size_t c = 0; c < kChanges; ++c) {
            sum.changes[c] += read(shard->changes[c]);
        }
    }
    return sum;
}

Registry& registry() {
    static Registry process;
    return process;
}

}  // namespace automx2::metrics
