// The accept loop: N worker threads, each accepting FastCGI requests on the shared
// listening socket and handing them to the dispatcher.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/config.h"
#include "core/dispatcher.h"

namespace automx2 {

struct ListenSocket {
    int fd = 0;
    // Created by this process (--socket). An inherited socket is shared with others —
    // spawn-fcgi -F siblings, systemd's socket unit — and must outlive this process.
    bool owned = false;
};

// Returns the listening socket: a new unix (PATH) or TCP (HOST:PORT) socket with a
// backlog of 1024 when `socket` is given; else fd 3 when systemd passed sockets to
// this process (LISTEN_PID is ours, LISTEN_FDS >= 1; the variables are then unset);
// else fd 0 (spawn-fcgi, mod_fcgid).
// Throws std::runtime_error when it cannot listen.
ListenSocket open_listen_socket(const std::string& socket);

class Server {
  public:
    Server(ListenSocket listen, const Config& config, const Dispatcher& dispatcher);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    void start(unsigned threads);

    // Stops accepting at once and waits up to `grace` for the requests in flight to
    // finish. Threads waiting in accept() are woken by SIGUSR1 (EINTR, with libfcgi's
    // shutdown flag set); the listening socket itself is shut down only when owned.
    // Returns true when none was left unfinished.
    bool stop(std::chrono::milliseconds grace);

  private:
    struct Worker {
        std::thread thread;
        // Inside FCGX_Accept_r: the only state in which a wake-up signal is sent, so
        // that no request in progress ever sees EINTR.
        std::atomic<bool> accepting{false};
    };

    void work(Worker& self);
    void wake_accepting_workers();

    ListenSocket listen_;
    const Config& config_;
    const Dispatcher& dispatcher_;
    std::vector<std::unique_ptr<Worker>> workers_;
    std::atomic<bool> stopping_{false};
    std::atomic<int> in_flight_{0};
};

}  // namespace automx2
