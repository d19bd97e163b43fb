// automx2-fcgi [--config FILE] [--threads N] [--socket PATH|HOST:PORT]: the service.
#pragma once

#include "app/command_line.h"

namespace automx2 {

// Wires the runtime around the FastCGI adapter (fcgi/serve.h) and serves until
// SIGTERM. Returns only on a start-up failure: 2 for the configuration or the
// listening socket, 1 when the database cannot be opened (both said on stderr).
int run_service(const CommandLine& line);

}  // namespace automx2
