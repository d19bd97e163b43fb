#include "backends/session_pool.h"

#include <algorithm>
#include <utility>

#include "backends/domain_query.h"

namespace automx2 {

SessionPool::Slot::Slot() = default;
SessionPool::Slot::~Slot() = default;
SessionPool::Slot::Slot(Slot&&) noexcept = default;

SessionPool::Lease::Lease(Lease&& other) noexcept
    : pool_(std::exchange(other.pool_, nullptr)), slot_(other.slot_), reused_(other.reused_) {}

SessionPool::Lease::~Lease() {
    if (pool_ != nullptr) {
        pool_->release(slot_);
    }
}

soci::session& SessionPool::Lease::session() {
    return *pool_->slots_[slot_].session;
}

std::unique_ptr<DomainQuery>& SessionPool::Lease::lookup() {
    return pool_->slots_[slot_].lookup;
}

void SessionPool::Lease::drop() {
    pool_->drop(slot_);
}

SessionPool::SessionPool(std::size_t size, bool keep_forever, std::chrono::milliseconds wait,
                         Opener opener)
    : slots_(std::max<std::size_t>(size, 1)),
      keep_forever_(keep_forever),
      wait_(wait),
      opener_(std::move(opener)) {}

SessionPool::~SessionPool() = default;

std::size_t SessionPool::in_use() {
    std::lock_guard lock(mutex_);
    return static_cast<std::size_t>(
        std::count_if(slots_.begin(), slots_.end(), [](const Slot& s) { return s.busy; }));
}

std::optional<SessionPool::Lease> SessionPool::acquire(bool fresh) {
    std::size_t slot = 0;
    {
        std::unique_lock lock(mutex_);
        if (!cv_.wait_for(lock, wait_, [&] { return find_free(slot); })) {
            return std::nullopt;
        }
        slots_[slot].busy = true;
    }
    Lease lease(*this, slot);  // from here the slot is released on every path
    auto& entry = slots_[slot];
    if (fresh && entry.session) {
        drop(slot);
    }
    if (!entry.session) {
        entry.session = opener_(entry.dropped);
        entry.dropped = false;
        lease.reused_ = false;
    }
    return std::optional<Lease>(std::move(lease));
}

// Prefers a free slot whose session is already open.
bool SessionPool::find_free(std::size_t& slot) const {
    bool found = false;
    for (std::size_t i = 0; i < slots_.size(); ++i) {
        if (slots_[i].busy) {
            continue;
        }
        if (slots_[i].session) {
            slot = i;
            return true;
        }
        if (!found) {
            slot = i;
            found = true;
        }
    }
    return found;
}

void SessionPool::release(std::size_t slot) {
    {
        std::lock_guard lock(mutex_);
        slots_[slot].busy = false;
    }
    cv_.notify_one();
}

// Called by the lease holder only, so no other thread touches this slot.
void SessionPool::drop(std::size_t slot) {
    if (keep_forever_) {
        return;
    }
    slots_[slot].lookup.reset();
    slots_[slot].session.reset();
    slots_[slot].dropped = true;
}

}  // namespace automx2
