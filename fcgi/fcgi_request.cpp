#include "fcgi/fcgi_request.h"

#include <charconv>
#include <string_view>

#include "core/net.h"

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
        if (c != '\r' && c != '\n' && c != '\0') out.push_back(c);
    }
    return out;
}

}  // namespace

FcgiConnection::FcgiConnection(int listen_fd) { FCGX_InitRequest(&request_, listen_fd, 0); }

FcgiConnection::~FcgiConnection() { FCGX_Free(&request_, 1); }

bool FcgiConnection::accept() { return FCGX_Accept_r(&request_) >= 0; }

void FcgiConnection::finish(bool close) {
    if (close) {
        request_.keepConnection = 0;
    }
    FCGX_Finish_r(&request_);
}

Request FcgiConnection::read_request(const Config& config) {
    Request request;
    request.method = env(request_, "REQUEST_METHOD");
    std::string_view uri = env(request_, "REQUEST_URI");
    std::string raw_path;
    if (!uri.empty()) {
        raw_path = uri.substr(0, uri.find('?'));
    } else {  // servers that pass no REQUEST_URI
        raw_path = std::string(env(request_, "SCRIPT_NAME")) + std::string(env(request_, "PATH_INFO"));
    }
    request.path = percent_decode(raw_path, false);
    request.query_string = env(request_, "QUERY_STRING");
    request.query = parse_query(request.query_string);
    request.content_type = env(request_, "CONTENT_TYPE");

    const unsigned proxies = config.proxy_count;
    request.remote_addr =
        client_address(env(request_, "REMOTE_ADDR"), env(request_, "HTTP_X_FORWARDED_FOR"), proxies);
    auto forwarded_host = forwarded_value(env(request_, "HTTP_X_FORWARDED_HOST"), proxies);
    request.host = forwarded_host ? *forwarded_host : std::string(env(request_, "HTTP_HOST"));
    auto forwarded_proto = forwarded_value(env(request_, "HTTP_X_FORWARDED_PROTO"), proxies);
    if (forwarded_proto) {
        request.scheme = *forwarded_proto;
    } else if (env(request_, "HTTPS") == "on" || env(request_, "HTTPS") == "1") {
        request.scheme = "https";
    }

    std::string_view length_text = env(request_, "CONTENT_LENGTH");
    std::size_t declared = 0;
    std::from_chars(length_text.data(), length_text.data() + length_text.size(), declared);
    const std::size_t limit = config.max_body_size;
    char buffer[16384];
    if (declared > limit) {
        // Read nothing into memory; drain what the web server sends so the kept-open
        // connection stays in step.
        request.body_too_large = true;
        while (FCGX_GetStr(buffer, sizeof buffer, request_.in) > 0) {
        }
        return request;
    }
    for (;;) {
        int got = FCGX_GetStr(buffer, sizeof buffer, request_.in);
        if (got <= 0) break;
        if (request.body.size() + static_cast<std::size_t>(got) > limit) {
            request.body_too_large = true;
            request.body.clear();
            request.body.shrink_to_fit();
            while (FCGX_GetStr(buffer, sizeof buffer, request_.in) > 0) {
            }
            break;
        }
        request.body.append(buffer, static_cast<std::size_t>(got));
    }
    return request;
}

void FcgiConnection::write_response(const Response& response, bool head_only) {
    std::string head;
    head.reserve(256);
    head += "Status: " + std::to_string(response.status) + " " + status_reason(response.status) + "\r\n";
    if (!response.content_type.empty()) {
        head += "Content-Type: " + header_safe(response.content_type) + "\r\n";
    }
    for (const auto& [name, value] : response.headers) {
        head += header_safe(name) + ": " + header_safe(value) + "\r\n";
    }
    if (response.status != 204) {
        head += "Content-Length: " + std::to_string(response.body.size()) + "\r\n";
    }
    head += "\r\n";
    if (!head_only && response.status != 204) {
        head += response.body;
    }
    FCGX_PutStr(head.data(), static_cast<int>(head.size()), request_.out);
}

}  // namespace automx2
