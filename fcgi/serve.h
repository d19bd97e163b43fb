// The FastCGI service as a whole, in the order the program calls it:
// prepare_process() → listen_socket() → (the program opens its backends) → serve().
#pragma once

#include <optional>
#include <string>

#include "core/config.h"
#include "core/dispatcher.h"
#include "fcgi/server.h"

namespace automx2 {

// Before the service starts anything: takes over the signals and tunes glibc's malloc
// for the worker threads (fcgi/process.h), initialises libfcgi. False, said on
// stderr, when libfcgi cannot start.
bool prepare_process();

// The listening socket (open_listen_socket), checked to be one; nullopt with the
// reason logged when there is none.
std::optional<ListenSocket> listen_socket(const std::string& socket);

// Serves with `threads` worker threads until SIGTERM or SIGINT, lets the requests in
// flight finish (up to a grace period) and ends the process with exit status 0.
[[noreturn]] void serve(ListenSocket listen, unsigned threads, const Config& config,
                        const Dispatcher& dispatcher);

}  // namespace automx2
