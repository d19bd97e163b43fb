#include "backends/socket_watchdog.h"

#include <sys/socket.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "core/log.h"

namespace automx2 {
namespace {

// One thread for the whole process, started on first use and parked on a condition
// variable while nothing is watched.
class Watcher {
  public:
    static Watcher& instance() {
        static Watcher* watcher = new Watcher;  // never destroyed: threads may outlive main
        return *watcher;
    }

    // `fired` belongs to the guard, which unwatches before it goes.
    long watch(int fd, SocketWatchdog::Clock::time_point deadline, std::atomic<bool>* fired) {
        std::lock_guard lock(mutex_);
        const long id = ++next_id_;
        entries_.emplace(id, Entry{fd, deadline, fired});
        cv_.notify_one();
        return id;
    }

    void extend(long id, SocketWatchdog::Clock::time_point deadline) {
        std::lock_guard lock(mutex_);
        if (auto it = entries_.find(id); it != entries_.end()) {
            it->second.deadline = deadline;  // later: the loop finds it when it wakes
        }
    }

    void unwatch(long id) {
        std::lock_guard lock(mutex_);
        entries_.erase(id);
    }

  private:
    struct Entry {
        int fd;
        SocketWatchdog::Clock::time_point deadline;
        std::atomic<bool>* fired;
    };

    Watcher() {
        std::thread([this] { run(); }).detach();
    }

    void run() {
        std::unique_lock lock(mutex_);
        for (;;) {
            if (entries_.empty()) {
                cv_.wait(lock);
                continue;
            }
            auto earliest = entries_.begin();
            for (auto it = entries_.begin(); it != entries_.end(); ++it) {
                if (it->second.deadline < earliest->second.deadline)
                    earliest = it;
            }
            // A copy: the entry may be erased while this thread waits without the lock.
            const auto deadline = earliest->second.deadline;
            if (SocketWatchdog::Clock::now() < deadline) {
                cv_.wait_until(lock, deadline);
                continue;
            }
            // The guard's owner still holds the connection, so the fd is still its own.
            earliest->second.fired->store(true);
            ::shutdown(earliest->second.fd, SHUT_RDWR);
            log::warning("database: no answer within the timeout; connection shut down");
            entries_.erase(earliest);
        }
    }

    std::mutex mutex_;
    std::condition_variable cv_;
    std::map<long, Entry> entries_;
    long next_id_ = 0;
};

thread_local SocketWatchdog::Guard* innermost = nullptr;

}  // namespace

SocketWatchdog::Guard::Guard(int fd, std::chrono::milliseconds limit)
    : limit_(limit), outer_(innermost) {
    if (fd >= 0) {
        id_ = Watcher::instance().watch(fd, Clock::now() + limit, &fired_);
    }
    innermost = this;
}

SocketWatchdog::Guard::~Guard() {
    disarm();
    innermost = outer_;
}

void SocketWatchdog::progress() {
    if (innermost != nullptr && innermost->id_ != 0) {
        Watcher::instance().extend(innermost->id_, Clock::now() + innermost->limit_);
    }
}

void SocketWatchdog::Guard::disarm() {
    if (id_ != 0) {
        Watcher::instance().unwatch(id_);
        id_ = 0;
    }
}

}  // namespace automx2
