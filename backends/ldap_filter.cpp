#include "backends/ldap_filter.h"

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
    std::size_t i = 0;
    while (i < value.size()) {
        const auto lead = static_cast<unsigned char>(value[i]);
        char32_t code = 0;
        std::size_t length = 0;
        if (lead < 0x80) {
            code = lead;
            length = 1;
        } else if (lead >= 0xc2 && lead <= 0xdf) {
            code = lead & 0x1f;
            length = 2;
        } else if (lead >= 0xe0 && lead <= 0xef) {
            code = lead & 0x0f;
            length = 3;
        } else if (lead >= 0xf0 && lead <= 0xf4) {
            code = lead & 0x07;
            length = 4;
        } else {
            return false;  // a continuation byte, 0xc0/0xc1 (overlong) or 0xf5..0xff
        }
        if (i + length > value.size()) {
            return false;
        }
        for (std::size_t k = 1; k < length; ++k) {
            const auto next = static_cast<unsigned char>(value[i + k]);
            if ((next & 0xc0) != 0x80) {
                return false;
            }
            code = (code << 6) | (next & 0x3f);
        }
        const bool overlong = (length == 3 && code < 0x800) || (length == 4 && code < 0x10000);
        const bool surrogate = code >= 0xd800 && code <= 0xdfff;
        const bool control = code < 0x20 || (code >= 0x7f && code <= 0x9f);
        if (overlong || surrogate || control || code > 0x10ffff) {
            return false;
        }
        i += length;
    }
    return true;
}

}  // namespace automx2
