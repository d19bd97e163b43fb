// The process around the accept loop: signals and the service manager.
#pragma once

#include <functional>

namespace automx2 {

// Blocks SIGTERM, SIGINT and SIGHUP in the calling thread (and so in every thread it
// starts later) and ignores SIGPIPE. Call before FCGX_Init(): libfcgi installs its own
// SIGTERM/SIGUSR1/SIGPIPE handlers only where the disposition is still the default,
// and its SIGTERM handler merely sets a flag that nothing would wake up for.
void take_over_signals();

// Waits (in the calling thread) for SIGTERM or SIGINT, then runs `on_stop`. SIGHUP is
// logged and ignored.
void wait_for_stop_signal(const std::function<void()>& on_stop);

// glibc's malloc for a long-running pool of worker threads: one arena per core, and
// no returning of freed memory to the kernel between requests.
void tune_malloc();

// sd_notify(3) "READY=1" to $NOTIFY_SOCKET, when set (systemd Type=notify).
void notify_ready();

}  // namespace automx2
