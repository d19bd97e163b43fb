// URLs as the data and the clients write them: percent codecs (RFC 3986 §2.1) and one
// splitter for scheme://[userinfo@]host[:port][/path][?query][#fragment]. Its
// host[:port] part is a function of its own, so a grammar with a different userinfo
// rule (SQLAlchemy's db_uri) reuses the IPv6 brackets and the port check.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace automx2::url {

// %XX decoded (either case of hex digit); a malformed escape is kept literally, as
// Python's urllib does. `plus_is_space` for application/x-www-form-urlencoded.
std::string percent_decode(std::string_view text, bool plus_is_space = false);

// Everything but the unreserved characters (and those in `keep`) as %XX, upper case.
std::string percent_encode(std::string_view text, std::string_view keep = {});

// Decimal digits only, 1..65535; nullopt otherwise (empty, sign, space, 0, too large).
std::optional<int> parse_port(std::string_view digits);

enum class HostError {
    none,
    unclosed_ip_literal,   // "[::1" without ']'
    empty_ip_literal,      // "[]"
    text_after_ip_literal  // "[::1]x": neither end nor ':' after ']'
};

// The host[:port] of an authority (userinfo already removed). Views into the input.
struct HostPort {
    std::string_view host;                      // without the brackets of an IP literal
    bool ip_literal = false;                    // host was written in brackets
    std::optional<std::string_view> port_text;  // after ':' (may be empty: "host:")
    std::optional<int> port;                    // port_text when it is a valid port
};

// A host without brackets ends at the first ':'. nullopt only for the bracket
// errors of HostError, reported through `error` when given.
std::optional<HostPort> split_host_port(std::string_view authority, HostError* error = nullptr);

struct Url {
    std::string scheme;                   // lower case
    std::optional<std::string> userinfo;  // raw, before the last '@' of the authority
    std::string host;                     // as written, without brackets
    bool ip_literal = false;
    std::optional<std::string> port_text;  // raw, when the authority has a ':'
    std::optional<int> port;               // port_text when it is 1..65535
    std::string path;                      // raw, from the first '/' after the authority
    std::optional<std::string> query;      // raw, without '?'

    // No port, an empty one ("host:", RFC 3986 §3.2.3) or 1..65535: not "host:0".
    bool port_valid() const { return !port_text || port_text->empty() || port; }
};

// A Host header fit to build a URL from: a host name, IPv4 or bracketed IPv6 literal
// with an optional port, nothing that could leave the authority (no '/', '@', space).
bool usable_host(std::string_view host);

// nullopt: no "scheme://", an empty or invalid scheme, or a bracket error. An invalid
// port is not an error here (see port_valid): some callers still use the host.
std::optional<Url> split(std::string_view text);

}  // namespace automx2::url
