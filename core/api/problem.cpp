#include "core/api/problem.h"

#include <nlohmann/json.hpp>

namespace automx2::api {

Response problem_response(int status, std::string_view detail,
                          const std::vector<FieldError>& errors) {
    nlohmann::ordered_json body;
    body["type"] = "about:blank";
    body["title"] = status_reason(status);
    body["status"] = status;
    body["detail"] = std::string(detail);
    if (!errors.empty()) {
        auto& list = body["errors"] = nlohmann::ordered_json::array();
        for (const auto& error : errors) {
            list.push_back({{"pointer", error.pointer}, {"detail", error.detail}});
        }
    }
    // Replacement, not an exception, for invalid UTF-8 echoed from a request.
    return Response{status,
                    "application/problem+json",
                    {},
                    body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n"};
}

std::string json_pointer(std::string_view path) {
    std::string pointer;
    for (char c : path) {
        if (c == '.' || c == '[') {
            pointer += '/';
        } else if (c == ']') {
            continue;
        } else if (c == '~') {
            pointer += "~0";
        } else if (c == '/') {
            pointer += "~1";
        } else {
            pointer += c;
        }
    }
    if (!pointer.empty() && pointer.front() != '/') {
        pointer.insert(pointer.begin(), '/');
    }
    return pointer;
}

FieldError field_error(std::string_view message, std::string_view pointer_prefix) {
    std::string_view rest = message;
    for (std::string_view lead : {"bad seed: ", "missing mandatory key "}) {
        if (rest.starts_with(lead)) {
            rest.remove_prefix(lead.size());
        }
    }
    const std::size_t end = rest.find_first_of(" :");
    std::string_view path = rest.substr(0, end);
    // Only a path the parser names (letters, digits, _, ., [ and ]) becomes a pointer.
    const bool is_path = !path.empty() && path.find_first_not_of(
                                              "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                              "0123456789_.[]") == std::string_view::npos;
    std::string pointer(pointer_prefix);
    if (is_path) {
        pointer += json_pointer(path);
    }
    return FieldError{pointer, std::string(message)};
}

}  // namespace automx2::api
