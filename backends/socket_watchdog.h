// Bounds a blocking call on a connection whose client library has no read timeout of
// its own (libpq): when the deadline passes, the watchdog shuts the socket down, the
// blocked read fails at once and the caller sees a broken connection, which
// Guard::fired() tells apart from one the server broke (backends/sql_retry.h).
#pragma once

#include <atomic>
#include <chrono>

namespace automx2 {

class SocketWatchdog {
  public:
    using Clock = std::chrono::steady_clock;

    // Watches `fd` from construction to destruction; fd < 0 watches nothing.
    class Guard {
      public:
        Guard(int fd, std::chrono::milliseconds limit);
        ~Guard();
        Guard(const Guard&) = delete;
        Guard& operator=(const Guard&) = delete;

        // The deadline passed and the socket was shut down: what failed timed out.
        bool fired() const { return fired_.load(); }

        // Stops watching; call it before the connection (and so the fd) is closed.
        void disarm();

      private:
        friend class SocketWatchdog;
        long id_ = 0;
        std::atomic<bool> fired_{false};
        std::chrono::milliseconds limit_;
        Guard* outer_;  // the guard this thread had before (guards nest on the stack)
    };

    // A long operation made progress (the export handed out a seed): this thread's
    // innermost guard starts its limit again, so only a stalled call times out.
    static void progress();
};

}  // namespace automx2
