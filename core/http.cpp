#include "core/http.h"

#include "core/url.h"

namespace automx2 {
std::string escape_markup(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&apos;";
                break;
            default:
                out.push_back(c);
        }
    }
    return out;
}

std::vector<std::pair<std::string, std::string>> parse_query(std::string_view query) {
    std::vector<std::pair<std::string, std::string>> params;
    while (!query.empty()) {
        std::size_t amp = query.find('&');
        std::string_view pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        if (pair.empty()) {
            continue;
        }
        std::size_t eq = pair.find('=');
        std::string_view name = pair.substr(0, eq);
        std::string_view value =
            eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
        if (name.empty()) {
            continue;
        }
        params.emplace_back(url::percent_decode(name, true), url::percent_decode(value, true));
    }
    return params;
}

std::optional<std::string> Request::param(std::string_view name) const {
    for (const auto& [key, value] : query) {
        if (key == name) {
            return value;
        }
    }
    return std::nullopt;
}

Response Response::text(int status, std::string body) {
    return Response{status, "text/plain; charset=utf-8", {}, std::move(body)};
}

Response Response::html(int status, std::string body) {
    return Response{status, "text/html; charset=utf-8", {}, std::move(body)};
}

Response Response::xml(std::string body, std::string content_type) {
    return Response{200, std::move(content_type), {}, std::move(body)};
}

Response Response::no_content() {
    return Response{204, {}, {}, {}};
}

std::string Response::full_body() const {
    std::string out = body;
    if (stream) {
        stream([&out](std::string_view chunk) { out += chunk; });
    }
    return out;
}

const char* status_reason(int status) {
    switch (status) {
        case 200:
            return "OK";
        case 201:
            return "Created";
        case 204:
            return "No Content";
        case 400:
            return "Bad Request";
        case 401:
            return "Unauthorized";
        case 403:
            return "Forbidden";
        case 404:
            return "Not Found";
        case 405:
            return "Method Not Allowed";
        case 412:
            return "Precondition Failed";
        case 413:
            return "Payload Too Large";
        case 415:
            return "Unsupported Media Type";
        case 500:
            return "Internal Server Error";
        case 503:
            return "Service Unavailable";
        default:
            return "Unknown";
    }
}

}  // namespace automx2
