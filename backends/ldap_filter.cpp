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
    std::size_t pos = 0;
    for (;;) {
        std::size_t hole = search_filter.find("{0}", pos);
        if (hole == std::string_view::npos) {
            out.append(search_filter.substr(pos));
            return out;
        }
        out.append(search_filter.substr(pos, hole - pos));
        out.append(escaped);
        pos = hole + 3;
    }
}

std::string ldap_uri(const LdapServerRow& server) {
    std::string host = server.name;
    if (host.find(':') != std::string::npos && host.front() != '[') {
        host = "[" + host + "]";
    }
    return std::string(server.use_ssl ? "ldaps://" : "ldap://") + host + ":" +
           std::to_string(server.port);
}

}  // namespace automx2
