#include "backends/ldap_filter.h"

#include "core/utf8.h"

namespace automx2 {

std::string escape_filter_value(std::string_view value) {
    std::string out;
    out.reserve(value.size() + 8);
    for (char c : value) {
        switch (c) {
            case '*':
                out += "\\2a";
                break;
            case '(':
                out += "\\28";
                break;
            case ')':
                out += "\\29";
                break;
            case '\\':
                out += "\\5c";
                break;
            case '\0':
                out += "\\00";
                break;
            default:
                out.push_back(c);
        }
    }
    return out;
}

std::string build_filter(std::string_view search_filter, std::string_view address) {
    const std::string escaped = escape_filter_value(address);
    std::string out;
    out.reserve(search_filter.size() + escaped.size());
    std::size_t i = 0;
    while (i < search_filter.size()) {
        const std::string_view rest = search_filter.substr(i);
        if (rest.starts_with("{0}")) {
            out += escaped;
            i += 3;
        } else if (rest.starts_with("{}")) {
            out += escaped;
            i += 2;
        } else if (rest.starts_with("{{") || rest.starts_with("}}")) {
            out.push_back(rest.front());
            i += 2;
        } else {
            out.push_back(rest.front());
            ++i;
        }
    }
    return out;
}

std::string ldap_uri(const LdapServerRow& server) {
    std::string host = server.name;
    if (host.find(':') != std::string::npos && host.front() != '[') {
        host = "[" + host + "]";
    }
    return std::string(server.use_ssl ? "ldaps://" : "ldap://") + host + ":" +
           std::to_string(server.port);
}

bool usable_directory_value(std::string_view value) {
    if (value.empty() || value.size() > kMaxDirectoryValue) {
        return false;
    }
    for (std::size_t i = 0; i < value.size();) {
        auto point = utf8::decode(value, i);
        if (!point || point->value < 0x20 || (point->value >= 0x7f && point->value <= 0x9f)) {
            return false;
        }
        i += point->length;
    }
    return true;
}

}  // namespace automx2
