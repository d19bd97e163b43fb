// The accept loop: N worker threads, each accepting FastCGI requests on the shared
// listening socket and handing them to the dispatcher.
#pragma once

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "core/config.h"
#include "core/dispatcher.h"

namespace automx2 {

// Returns the listening socket: a new unix (PATH) or TCP (HOST:PORT) socket with a
// backlog of 1024 when `socket` is given; else fd 3 when systemd passed sockets to
// this process (LISTEN_PID is ours, LISTEN_FDS >= 1; the variables are then unset);
// else fd 0 (spawn-fcgi, mod_fcgid).
// Throws std::runtime_error when it cannot listen.
int open_listen_socket(const std::string& socket);

class Server {
  public:
    Server(int listen_fd, const Config& config, const Dispatcher& dispatcher);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    void start(unsigned threads);

    // Stops accepting at once (the listening socket is shut down, which wakes threads
    // blocked in accept) and waits up to `grace` for the requests in flight to finish.
    // Returns true when none was left unfinished.
    bool stop(std::chrono::milliseconds grace);

  private:
    void work();

    int listen_fd_;
    const Config& config_;
    const Dispatcher& dispatcher_;
    std::vector<std::thread> workers_;
    std::atomic<bool> stopping_{false};
    std::atomic<int> in_flight_{0};
};

}  // namespace automx2
