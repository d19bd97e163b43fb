#include "fcgi/process.h"

#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <string>

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
