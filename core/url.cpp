#include "core/url.h"

#include <algorithm>
#include <charconv>

#include "core/text.h"

namespace automx2::url {
namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

// RFC 3986 §3.1: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ).
bool valid_scheme(std::string_view scheme) {
    if (scheme.empty()) {
        return false;
    }
    for (std::size_t i = 0; i < scheme.size(); ++i) {
        const char c = scheme[i];
        const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        const bool other = (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
        if (!alpha && (i == 0 || !other)) {
            return false;
        }
    }
    return true;
}

}  // namespace

std::string percent_decode(std::string_view text, bool plus_is_space) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '%' && i + 2 < text.size()) {
            const int high = hex_value(text[i + 1]);
            const int low = hex_value(text[i + 2]);
            if (high >= 0 && low >= 0) {
                out.push_back(static_cast<char>(high * 16 + low));
                i += 2;
                continue;
            }
        }
        out.push_back(plus_is_space && c == '+' ? ' ' : c);
    }
    return out;
}

std::string percent_encode(std::string_view text, std::string_view keep) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size());
    for (const unsigned char c : text) {
        const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                                (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
                                c == '~';
        if (unreserved || (c != 0 && keep.find(static_cast<char>(c)) != std::string_view::npos)) {
            out.push_back(static_cast<char>(c));
        } else {
            out.push_back('%');
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 0x0f]);
        }
    }
    return out;
}

std::optional<int> parse_port(std::string_view digits) {
    if (digits.empty() || digits.size() > 5 ||
        digits.find_first_not_of("0123456789") != std::string_view::npos) {
        return std::nullopt;
    }
    int port = 0;
    std::from_chars(digits.data(), digits.data() + digits.size(), port);
    if (port < 1 || port > 65535) {
        return std::nullopt;
    }
    return port;
}

std::optional<HostPort> split_host_port(std::string_view authority, HostError* error) {
    const auto report = [error](HostError e) -> std::optional<HostPort> {
        if (error != nullptr) {
            *error = e;
        }
        return std::nullopt;
    };
    if (error != nullptr) {
        *error = HostError::none;
    }
    HostPort out;
    std::string_view rest;
    if (!authority.empty() && authority.front() == '[') {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) {
            return report(HostError::unclosed_ip_literal);
        }
        if (close == 1) {
            return report(HostError::empty_ip_literal);
        }
        out.host = authority.substr(1, close - 1);
        out.ip_literal = true;
        rest = authority.substr(close + 1);
        if (!rest.empty() && rest.front() != ':') {
            return report(HostError::text_after_ip_literal);
        }
    } else {
        const auto colon = authority.find(':');
        out.host = authority.substr(0, colon);
        rest = colon == std::string_view::npos ? std::string_view{} : authority.substr(colon);
    }
    if (!rest.empty()) {
        out.port_text = rest.substr(1);
        out.port = parse_port(*out.port_text);
    }
    return out;
}

std::optional<Url> split(std::string_view text) {
    const auto scheme_end = text.find("://");
    if (scheme_end == std::string_view::npos || !valid_scheme(text.substr(0, scheme_end))) {
        return std::nullopt;
    }
    Url out;
    out.scheme = text::to_lower(text.substr(0, scheme_end));
    std::string_view rest = text.substr(scheme_end + 3);
    const auto authority_end = rest.find_first_of("/?#");
    std::string_view authority = rest.substr(0, authority_end);
    rest.remove_prefix(authority.size());
    if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
        out.userinfo = std::string(authority.substr(0, at));
        authority.remove_prefix(at + 1);
    }
    const auto host = split_host_port(authority);
    if (!host) {
        return std::nullopt;
    }
    out.host = std::string(host->host);
    out.ip_literal = host->ip_literal;
    if (host->port_text) {
        out.port_text = std::string(*host->port_text);
    }
    out.port = host->port;
    rest = rest.substr(0, rest.find('#'));
    const auto question = rest.find('?');
    out.path = std::string(rest.substr(0, question));
    if (question != std::string_view::npos) {
        out.query = std::string(rest.substr(question + 1));
    }
    return out;
}

bool usable_host(std::string_view host) {
    if (host.empty() || host.size() > 261) {
        return false;
    }
    return std::all_of(host.begin(), host.end(), [](unsigned char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '.' || c == '-' || c == '_' || c == ':' || c == '[' || c == ']';
    });
}

}  // namespace automx2::url
