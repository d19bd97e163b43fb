#include "fcgi/fcgi_request.h"

#include <string_view>

#include "core/cgi.h"

namespace automx2 {
namespace {

std::string_view env(const FCGX_Request& request, const char* name) {
    const char* value = FCGX_GetParam(name, request.envp);
    return value == nullptr ? std::string_view{} : std::string_view{value};
}

// Header values come from our own code, but never let one split the header block.
std::string header_safe(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (char c : value) {
        if (c != '\r' && c != '\n' && c != '\0')
            out.push_back(c);
    }
    return out;
}

}  // namespace

FcgiConnection::FcgiConnection(int listen_fd) {
    FCGX_InitRequest(&request_, listen_fd, 0);
}

FcgiConnection::~FcgiConnection() {
    FCGX_Free(&request_, 1);
}

bool FcgiConnection::accept() {
    return FCGX_Accept_r(&request_) >= 0;
}

void FcgiConnection::finish(bool close) {
    if (close) {
        request_.keepConnection = 0;
    }
    // libfcgi closes a connection the web server did not ask to keep with shutdown(),
    // then polls (up to 2 s) until the web server hangs up first: the thread waits a
    // round trip through the web server's event loop for every request. The request's
    // input has been read to its end, so there is nothing left to wait for: a detached
    // request is closed at once.
    if (!request_.keepConnection) {
        FCGX_Detach(&request_);
    }
    FCGX_Finish_r(&request_);
}

Request FcgiConnection::read_request(const Config& config) {
    Request request =
        make_request([this](const char* name) { return env(request_, name); }, config);
    char buffer[16384];
    // Past the limit nothing is kept, but the rest is drained so that the kept-open
    // connection stays in step.
    bool keep = !request.body_too_large;
    for (;;) {
        int got = FCGX_GetStr(buffer, sizeof buffer, request_.in);
        if (got <= 0)
            break;
        if (keep) {
            keep = append_body(request, std::string_view(buffer, static_cast<std::size_t>(got)),
                               body_limit(request, config));
        }
    }
    return request;
}

void FcgiConnection::write_response(const Response& response, bool head_only) {
    std::string head;
    head.reserve(256);
    head += "Status: " + std::to_string(response.status) + " " + status_reason(response.status) +
            "\r\n";
    if (!response.content_type.empty()) {
        head += "Content-Type: " + header_safe(response.content_type) + "\r\n";
    }
    for (const auto& [name, value] : response.headers) {
        head += header_safe(name) + ": " + header_safe(value) + "\r\n";
    }
    if (response.status != 204 && !response.stream) {
        head += "Content-Length: " + std::to_string(response.body.size()) + "\r\n";
    }
    head += "\r\n";
    if (!head_only && response.status != 204) {
        head += response.body;
    }
    FCGX_PutStr(head.data(), static_cast<int>(head.size()), request_.out);
    if (!head_only && response.stream) {
        FCGX_Stream* out = request_.out;
        response.stream([out](std::string_view chunk) {
            FCGX_PutStr(chunk.data(), static_cast<int>(chunk.size()), out);
        });
    }
}

}  // namespace automx2
