#include "core/cgi.h"

#include <charconv>
#include <string>

#include "core/net.h"
#include "core/url.h"

namespace automx2 {

Request make_request(const CgiLookup& env, const Config& config) {
    Request request;
    request.method = env("REQUEST_METHOD");
    std::string_view uri = env("REQUEST_URI");
    std::string raw_path;
    if (!uri.empty()) {
        raw_path = uri.substr(0, uri.find('?'));
    } else {  // servers that pass no REQUEST_URI
        raw_path = std::string(env("SCRIPT_NAME"));
        raw_path += env("PATH_INFO");
    }
    request.path = url::percent_decode(raw_path);
    request.query_string = env("QUERY_STRING");
    request.query = parse_query(request.query_string);
    request.content_type = env("CONTENT_TYPE");
    request.accept_language = env("HTTP_ACCEPT_LANGUAGE");

    const unsigned proxies = config.proxy_count;
    request.remote_addr = client_address(env("REMOTE_ADDR"), env("HTTP_X_FORWARDED_FOR"), proxies);
    auto forwarded_host = forwarded_value(env("HTTP_X_FORWARDED_HOST"), proxies);
    request.host = forwarded_host ? *forwarded_host : std::string(env("HTTP_HOST"));
    if (proxies == 0) {
        request.server_port = env("SERVER_PORT");
    }
    auto forwarded_proto = forwarded_value(env("HTTP_X_FORWARDED_PROTO"), proxies);
    if (forwarded_proto) {
        request.scheme = *forwarded_proto;
    } else if (std::string_view https = env("HTTPS"); https == "on" || https == "1") {
        request.scheme = "https";
    }

    std::string_view length_text = env("CONTENT_LENGTH");
    std::size_t declared = 0;
    auto [end, error] =
        std::from_chars(length_text.data(), length_text.data() + length_text.size(), declared);
    // A length too large for size_t is certainly too large for us.
    if (error == std::errc::result_out_of_range || declared > config.max_body_size) {
        request.body_too_large = true;
    }
    (void)end;
    return request;
}

bool append_body(Request& request, std::string_view chunk, std::size_t limit) {
    if (request.body_too_large)
        return false;
    if (chunk.size() > limit - request.body.size()) {
        request.body_too_large = true;
        request.body.clear();
        request.body.shrink_to_fit();
        return false;
    }
    request.body.append(chunk);
    return true;
}

}  // namespace automx2
