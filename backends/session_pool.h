// SOCI sessions opened lazily, leased to one caller at a time and reused across calls,
// each with the statements prepared on it.
#pragma once

#include <soci/soci.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

namespace automx2 {

class DomainQuery;

class SessionPool {
  public:
    // Opens and prepares a session; `reconnect` is true when the slot's previous
    // session was dropped. Throws BackendUnavailable (or ConfigError).
    using Opener = std::function<std::unique_ptr<soci::session>(bool reconnect)>;

    class Lease {
      public:
        Lease(Lease&& other) noexcept;
        Lease(const Lease&) = delete;
        Lease& operator=(const Lease&) = delete;
        Lease& operator=(Lease&&) = delete;
        ~Lease();

        soci::session& session();
        // The lookup statement prepared on this session (empty until first made).
        std::unique_ptr<DomainQuery>& lookup();
        // The connection is broken: close it; the next lease of this slot reconnects.
        void drop();
        // The session was opened by an earlier lease (it may have gone stale since).
        bool reused() const { return reused_; }

      private:
        friend class SessionPool;
        Lease(SessionPool& pool, std::size_t slot) noexcept : pool_(&pool), slot_(slot) {}
        SessionPool* pool_;
        std::size_t slot_;
        bool reused_ = true;
    };

    // `keep_forever`: never drop (an in-memory database would be lost with its only
    // session). `wait`: how long acquire() waits for a free slot.
    SessionPool(std::size_t size, bool keep_forever, std::chrono::milliseconds wait, Opener opener);
    ~SessionPool();
    SessionPool(const SessionPool&) = delete;
    SessionPool& operator=(const SessionPool&) = delete;

    // A session, opened if the slot has none (the opener's exceptions pass through);
    // nullopt when every slot stayed busy for `wait`. `fresh`: a new connection even
    // where the slot has one (after a restart of the server every idle session is
    // stale, so a retry must not take the next of them).
    std::optional<Lease> acquire(bool fresh = false);

    std::size_t size() const { return slots_.size(); }
    // Slots leased right now (GET /metrics).
    std::size_t in_use();

  private:
    struct Slot {
        Slot();
        ~Slot();
        Slot(Slot&&) noexcept;
        std::unique_ptr<soci::session> session;
        std::unique_ptr<DomainQuery> lookup;  // after session: destroyed before it
        bool busy = false;
        bool dropped = false;
    };

    bool find_free(std::size_t& slot) const;
    void release(std::size_t slot);
    void drop(std::size_t slot);

    std::mutex mutex_;
    std::condition_variable cv_;
    std::vector<Slot> slots_;
    const bool keep_forever_;
    const std::chrono::milliseconds wait_;
    const Opener opener_;
};

}  // namespace automx2
