#include "fcgi/process.h"

#include <malloc.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

#include "core/log.h"

namespace automx2 {
namespace {

sigset_t stop_signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    return set;
}

void no_op(int) {}

}  // namespace

void take_over_signals() {
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &ignore, nullptr);
    // Explicit handlers, so libfcgi keeps its hands off; the signals themselves are
    // blocked and collected by sigwait() in wait_for_stop_signal().
    struct sigaction handled {};
    handled.sa_handler = no_op;
    sigaction(SIGTERM, &handled, nullptr);
    sigaction(SIGINT, &handled, nullptr);
    sigaction(SIGUSR1, &handled, nullptr);
    sigset_t set = stop_signals();
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

void wait_for_stop_signal(const std::function<void()>& on_stop) {
    sigset_t set = stop_signals();
    for (;;) {
        int signal = 0;
        if (sigwait(&set, &signal) != 0) {
            continue;
        }
        if (signal == SIGHUP) {
            log::info("SIGHUP ignored (restart the service to reload its configuration)");
            continue;
        }
        log::info(std::string("received ") + (signal == SIGTERM ? "SIGTERM" : "SIGINT") +
                  ": stopping");
        on_stop();
        return;
    }
}

void tune_malloc() {
    // glibc gives each worker thread its own arena (up to 8 per core), each keeping its
    // own freed pages. One per core: with 16 threads and 1M domains the peak RSS fell
    // from 24.7 to 22.2 MiB (bench/run.sh, 2 cores); req/s at c=64 did not drop.
    mallopt(M_ARENA_MAX, static_cast<int>(std::max(2U, std::thread::hardware_concurrency())));
    // By default every request that frees more than 128 KiB at the top of a heap gives it
    // back (brk down, madvise) and the next one faults it in again: page faults, zeroed
    // pages and TLB shootdowns across the threads on every request (issue 14's profile).
    // Kept instead (the peak stays what it was: the high-water mark does not grow), and
    // grown in steps of 4 MiB of address space; a fixed mmap threshold also stops glibc
    // from raising it after each freed large block. Uncached lookups: CPU time per
    // request −20 % (bench/, 2 cores); no brk or madvise in steady state (strace -c).
    constexpr int trim_threshold = 64 << 20;
    constexpr int top_pad = 4 << 20;
    constexpr int mmap_threshold = 4 << 20;
    mallopt(M_TRIM_THRESHOLD, trim_threshold);
    mallopt(M_TOP_PAD, top_pad);
    mallopt(M_MMAP_THRESHOLD, mmap_threshold);
}

void notify_ready() {
    const char* path = std::getenv("NOTIFY_SOCKET");
    if (path == nullptr || (path[0] != '/' && path[0] != '@')) {
        return;
    }
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::size_t length = std::strlen(path);
    if (length >= sizeof address.sun_path) {
        log::warning("NOTIFY_SOCKET path too long; not notifying");
        return;
    }
    std::memcpy(address.sun_path, path, length);
    if (path[0] == '@') {
        address.sun_path[0] = '\0';  // abstract namespace
    }
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return;
    }
    static constexpr char ready[] = "READY=1";
    auto size = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + length);
    if (sendto(fd, ready, sizeof ready - 1, 0, reinterpret_cast<sockaddr*>(&address), size) < 0) {
        log::warning(std::string("sd_notify failed: ") + std::strerror(errno));
    }
    close(fd);
}

}  // namespace automx2
