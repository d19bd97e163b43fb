// One FastCGI request: RAII over libfcgi's FCGX_Request, and the translation between
// FastCGI (CGI/1.1 variables, stdin, stdout) and the core's Request/Response.
#pragma once

#include <fcgiapp.h>

#include "core/config.h"
#include "core/http.h"

namespace automx2 {

// Owns an FCGX_Request bound to a listening socket; one per worker thread, reused for
// every request that thread accepts.
class FcgiConnection {
  public:
    explicit FcgiConnection(int listen_fd);
    ~FcgiConnection();
    FcgiConnection(const FcgiConnection&) = delete;
    FcgiConnection& operator=(const FcgiConnection&) = delete;

    // Waits for the next request (on the kept-open connection, else a new one);
    // false when the listening socket is shut down or broken.
    bool accept();
    // Ends the current request; `close` drops the connection even if the web server
    // asked to keep it (used while shutting down).
    void finish(bool close);

    Request read_request(const Config& config);
    void write_response(const Response& response, bool head_only);

  private:
    FCGX_Request request_{};
};

}  // namespace automx2
