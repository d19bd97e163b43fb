#include "core/db_url.h"

#include "core/errors.h"
#include "core/text.h"
#include "core/url.h"

namespace automx2::db_url {

namespace {

// Python's urllib.parse.unquote, as SQLAlchemy applies it: %XX decoded, an invalid
// sequence kept as it is. A NUL cannot travel through the C client libraries.
std::string decoded(std::string_view text, bool plus_is_space, const char* what) {
    std::string out = url::percent_decode(text, plus_is_space);
    if (out.find('\0') != std::string::npos) {
        fail(std::string("the ") + what + " contains a NUL character (%00)");
    }
    return out;
}

std::string percent_decode(std::string_view text, const char* what) {
    return decoded(text, false, what);
}

// application/x-www-form-urlencoded: '+' is a space there.
std::string query_decode(std::string_view text, const char* what) {
    return decoded(text, true, what);
}

}  // namespace

[[noreturn]] void fail(const std::string& problem) {
    throw ConfigError("db_uri: " + problem);
}

unsigned parse_port(std::string_view digits) {
    const auto port = url::parse_port(digits);
    if (!port) {
        // Only a number is echoed: text here may be a password written without '@'.
        const bool numeric = digits.find_first_not_of("0123456789") == std::string_view::npos;
        fail(numeric ? "invalid port '" + printable(digits) + "' (expected 1..65535)"
                     : std::string("invalid port: not a number (expected 1..65535)"));
    }
    return static_cast<unsigned>(*port);
}

// The grammar of SQLAlchemy's URL pattern (sqlalchemy.engine.url._parse_url):
//   name://[user[:password]@][host|[ipv6]][:port][/database][?query]
// where the user name cannot contain ':' or '/' and the password cannot contain '@'
// (but may contain '/', '?', ':' — so the authority does not end at the first '/').
UrlParts split_url(std::string_view uri) {
    UrlParts parts;
    const auto sep = uri.find("://");
    if (sep == std::string_view::npos || sep == 0) {
        fail(
            "not a database URL: no 'scheme://' (expected e.g. sqlite:////var/lib/automx2/"
            "db.sqlite or mysql://user:password@host/database)");
    }
    for (char c : uri.substr(0, sep)) {
        // Anything else is not echoed: "://" may come late in a malformed URL, after a
        // password.
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '+' || c == '_' || c == '-' || c == '.';
        if (!ok) {
            fail(
                "not a database URL: invalid scheme (expected e.g. sqlite:////var/lib/automx2/"
                "db.sqlite or mysql://user:password@host/database)");
        }
        parts.scheme += text::ascii_lower(c);
    }
    std::string_view rest = uri.substr(sep + 3);
    const std::size_t rest_offset = sep + 3;

    parts.display = std::string(uri);
    const std::size_t name_end = rest.find_first_of(":/");
    const std::string_view name_zone = rest.substr(0, name_end);
    if (name_end != std::string_view::npos && rest[name_end] == ':' &&
        rest.find('@', name_end + 1) != std::string_view::npos) {
        const std::size_t at = rest.find('@', name_end + 1);
        parts.user = percent_decode(rest.substr(0, name_end), "user name");
        parts.password = percent_decode(rest.substr(name_end + 1, at - name_end - 1), "password");
        parts.display = std::string(uri.substr(0, rest_offset + name_end + 1)) + "***" +
                        std::string(uri.substr(rest_offset + at));
        rest.remove_prefix(at + 1);
    } else if (const auto at = name_zone.rfind('@'); at != std::string_view::npos) {
        parts.user = percent_decode(rest.substr(0, at), "user name");
        rest.remove_prefix(at + 1);
    }

    // Host and port: up to the database's '/' or the query's '?'.
    const std::string_view authority = rest.substr(0, rest.find_first_of("/?"));
    url::HostError error = url::HostError::none;
    const auto host_port = url::split_host_port(authority, &error);
    if (!host_port) {
        fail(error == url::HostError::text_after_ip_literal
                 ? "malformed host: unexpected text after ']' (expected [address]:port/database)"
                 : "malformed IPv6 host (expected [address])");
    }
    if (host_port->host.find('@') != std::string_view::npos) {
        // Not echoed: it would hold the tail of a password that contains a raw '@'.
        fail("the host part contains '@' (write an '@' inside the user name or password as %40)");
    }
    parts.host = std::string(host_port->host);
    if (host_port->port_text && !host_port->port_text->empty()) {
        parts.port = parse_port(*host_port->port_text);
    }
    rest.remove_prefix(authority.size());
    if (!rest.empty() && rest.front() == '/') {
        const auto q = rest.find('?');
        parts.database = std::string(rest.substr(1, q == std::string_view::npos ? q : q - 1));
        rest.remove_prefix(q == std::string_view::npos ? rest.size() : q);
    }
    if (!rest.empty() && rest.front() == '?') {
        // Rebuilt for display from the raw items, a password parameter masked.
        parts.display.resize(parts.display.size() - rest.size());
        char joiner = '?';
        std::string_view query = rest.substr(1);
        while (!query.empty()) {
            const auto amp = query.find('&');
            const std::string_view item = query.substr(0, amp);
            query.remove_prefix(amp == std::string_view::npos ? query.size() : amp + 1);
            if (item.empty()) {
                continue;
            }
            const auto eq = item.find('=');
            std::string key = query_decode(item.substr(0, eq), "query");
            if (eq == std::string_view::npos) {
                fail("query parameter '" + printable(key) + "' has no value");
            }
            const bool secret = key == "password" || key == "pass" || key == "passwd";
            parts.display += joiner;
            parts.display += secret ? std::string(item.substr(0, eq)) + "=***" : std::string(item);
            joiner = '&';
            parts.query.emplace_back(std::move(key),
                                     query_decode(item.substr(eq + 1), "query parameter"));
        }
    }
    return parts;
}

}  // namespace automx2::db_url
