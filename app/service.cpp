#include "app/service.h"

#include <iostream>
#include <memory>

#include "app/runtime.h"
#include "core/errors.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/metrics_page.h"
#include "fcgi/process_stats.h"
#include "fcgi/serve.h"

namespace automx2 {

int run_service(const CommandLine& line) {
    if (!prepare_process())
        return 1;
    std::unique_ptr<Runtime> runtime;
    try {
        runtime = std::make_unique<Runtime>(line.config_file, true);
    } catch (const ConfigError& e) {
        std::cerr << "automx2-fcgi: configuration error: " << e.what() << "\n";
        return 2;
    }
    metrics::registry().set_enabled(runtime->config().metrics);
    metrics::set_process_stats_source(read_process_stats);
    // The socket before the database: without one the service could never serve.
    auto listen = listen_socket(line.socket);
    if (!listen)
        return 2;
    try {
        runtime->open_backends(line.threads);  // one session per worker thread
    } catch (const std::exception& e) {
        log::error("cannot open the database " + runtime->config().db.display + ": " + e.what());
        return 1;
    }
    serve(*listen, line.threads, runtime->config(), runtime->dispatcher());
}

}  // namespace automx2
