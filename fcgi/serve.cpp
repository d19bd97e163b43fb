#include "fcgi/serve.h"

#include <fcgiapp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <iostream>

#include "core/log.h"
#include "fcgi/process.h"

namespace automx2 {
namespace {

constexpr auto shutdown_grace = std::chrono::seconds(5);

bool is_listening_socket(int fd) {
    int listening = 0;
    socklen_t size = sizeof listening;
    return getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &size) == 0 && listening != 0;
}

}  // namespace

bool prepare_process() {
    take_over_signals();
    tune_malloc();
    if (FCGX_Init() != 0) {
        std::cerr << "automx2-fcgi: FCGX_Init failed\n";
        return false;
    }
    return true;
}

std::optional<ListenSocket> listen_socket(const std::string& socket) {
    ListenSocket listen;
    try {
        listen = open_listen_socket(socket);
    } catch (const std::exception& e) {
        log::error(e.what());
        return std::nullopt;
    }
    if (!is_listening_socket(listen.fd)) {
        log::error("fd " + std::to_string(listen.fd) +
                   " is not a listening socket: start under spawn-fcgi, mod_fcgid or a systemd "
                   "socket unit, or pass --socket PATH|HOST:PORT");
        return std::nullopt;
    }
    return listen;
}

void serve(ListenSocket listen, unsigned threads, const Config& config,
           const Dispatcher& dispatcher) {
    Server server(listen, config, dispatcher);
    server.start(threads);
    notify_ready();
    log::info("serving with " + std::to_string(threads) + " threads, database " +
              config.db.display);

    wait_for_stop_signal([&] {
        if (!server.stop(shutdown_grace)) {
            log::warning("requests still in flight after the grace period; exiting anyway");
        }
    });
    log::info("stopped");
    // Threads may still sit in a read on an idle kept-open connection: leave without
    // running destructors under their feet.
    _exit(0);
}

}  // namespace automx2
