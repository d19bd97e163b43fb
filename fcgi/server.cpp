#include "fcgi/server.h"

#include <fcgiapp.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <string_view>

#include "core/log.h"
#include "fcgi/fcgi_request.h"

namespace automx2 {

namespace {

// sd_listen_fds(3) without libsystemd: systemd passes sockets from fd 3 on and names
// the receiving process in LISTEN_PID, so that a child started later does not take
// them for its own. The variables are removed once read, as sd_listen_fds(1) does.
std::optional<int> systemd_socket() {
    auto number = [](const char* name) -> std::optional<long> {
        const char* text = std::getenv(name);
        if (text == nullptr)
            return std::nullopt;
        const std::string_view view(text);
        long value = 0;
        auto [end, ec] = std::from_chars(view.data(), view.data() + view.size(), value);
        if (ec != std::errc{} || end != view.data() + view.size())
            return std::nullopt;
        return value;
    };
    const auto pid = number("LISTEN_PID");
    const auto fds = number("LISTEN_FDS");
    if (!pid || !fds || *pid != static_cast<long>(getpid()) || *fds < 1)
        return std::nullopt;
    unsetenv("LISTEN_PID");
    unsetenv("LISTEN_FDS");
    unsetenv("LISTEN_FDNAMES");
    constexpr int first_fd = 3;  // SD_LISTEN_FDS_START
    if (*fds > 1) {
        log::warning("systemd passed " + std::to_string(*fds) +
                     " sockets; serving only the first (fd 3)");
    }
    fcntl(first_fd, F_SETFD, FD_CLOEXEC);
    return first_fd;
}

}  // namespace

ListenSocket open_listen_socket(const std::string& socket) {
    if (socket.empty()) {
        return ListenSocket{systemd_socket().value_or(0), false};
    }
    // A backlog well above SPEC §13's minimum of 128, as spawn-fcgi uses.
    int fd = FCGX_OpenSocket(socket.c_str(), 1024);
    if (fd < 0) {
        throw std::runtime_error("cannot listen on " + socket);
    }
    return ListenSocket{fd, true};
}

Server::Server(ListenSocket listen, const Config& config, const Dispatcher& dispatcher)
    : listen_(listen), config_(config), dispatcher_(dispatcher) {}

Server::~Server() {
    for (auto& worker : workers_) {
        if (worker->thread.joinable())
            worker->thread.detach();
    }
}

void Server::start(unsigned threads) {
    for (unsigned i = 0; i < threads; ++i) {
        auto worker = std::make_unique<Worker>();
        Worker& self = *worker;
        workers_.push_back(std::move(worker));
        self.thread = std::thread([this, &self] { work(self); });
    }
}

void Server::work(Worker& self) {
    FcgiConnection connection(listen_.fd);
    while (!stopping_.load()) {
        self.accepting.store(true);
        const bool accepted = connection.accept();
        self.accepting.store(false);
        if (!accepted) {
            if (!stopping_.load()) {
                log::error("FastCGI accept failed; worker thread stops");
            }
            return;
        }
        // Counted from the moment a request is ours: stop() waits for it.
        in_flight_.fetch_add(1);
        Request request = connection.read_request(config_);
        Response response = dispatcher_.handle(request);
        connection.write_response(response, request.method == "HEAD");
        connection.finish(stopping_.load());
        in_flight_.fetch_sub(1);
    }
}

void Server::wake_accepting_workers() {
    for (auto& worker : workers_) {
        if (worker->accepting.load() && worker->thread.joinable()) {
            pthread_kill(worker->thread.native_handle(), SIGUSR1);
        }
    }
}

bool Server::stop(std::chrono::milliseconds grace) {
    stopping_.store(true);
    // libfcgi checks this flag before each accept() and gives up on EINTR when set.
    FCGX_ShutdownPending();
    if (listen_.owned) {
        // Ours alone: refuse new connections at once, so the web server moves on.
        shutdown(listen_.fd, SHUT_RDWR);
    }
    const auto deadline = std::chrono::steady_clock::now() + grace;
    while (std::chrono::steady_clock::now() < deadline) {
        // Repeated: a signal that lands just before a thread enters accept() is lost.
        wake_accepting_workers();
        if (in_flight_.load() == 0) {
            // A request read just before stopping may not be counted yet: look twice.
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
            if (in_flight_.load() == 0)
                return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
}

}  // namespace automx2
