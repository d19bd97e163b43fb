#include "core/db_url.h"

#include <charconv>

#include "core/errors.h"

namespace automx2::db_url {

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

// Python's urllib.parse.unquote, as SQLAlchemy applies it: %XX decoded, an invalid
// sequence kept as it is. A NUL cannot travel through the C client libraries.
std::string percent_decode(std::string_view text, const char* what) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 &&
            hex_value(text[i + 2]) >= 0) {
            out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
            i += 2;
        } else {
            out += text[i];
        }
    }
    if (out.find('\0') != std::string::npos) {
        fail(std::string("the ") + what + " contains a NUL character (%00)");
    }
    return out;
}

// application/x-www-form-urlencoded: '+' is a space there.
std::string query_decode(std::string_view text, const char* what) {
    std::string plus_free(text);
    for (char& c : plus_free) {
        if (c == '+') {
            c = ' ';
        }
    }
    return percent_decode(plus_free, what);
}

}  // namespace

// Shown in messages only after the password has been cut away.
std::string printable(std::string_view text) {
    std::string out;
    for (char c : text.substr(0, 100)) {
        const auto u = static_cast<unsigned char>(c);
        out += (u < 0x20 || u == 0x7f) ? '?' : c;
    }
    if (text.size() > 100) {
        out += "...";
    }
    return out;
}

[[noreturn]] void fail(const std::string& problem) {
    throw ConfigError("db_uri: " + problem);
}

unsigned parse_port(std::string_view digits) {
    unsigned port = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
    if (ec != std::errc{} || end != digits.data() + digits.size() || port == 0 || port > 65535) {
        // Only a number is echoed: text here may be a password written without '@'.
        const bool numeric = digits.find_first_not_of("0123456789") == std::string_view::npos;
        fail(numeric ? "invalid port '" + printable(digits) + "' (expected 1..65535)"
                     : std::string("invalid port: not a number (expected 1..65535)"));
    }
    return port;
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
        parts.scheme += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
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

    // Host: a bracketed IPv6 literal or anything up to ':', '/' or '?'.
    std::string_view host;
    if (!rest.empty() && rest.front() == '[') {
        const auto close = rest.find(']');
        const auto stop = rest.find_first_of("/?");
        if (close == std::string_view::npos || (stop != std::string_view::npos && stop < close) ||
            close == 1) {
            fail("malformed IPv6 host (expected [address])");
        }
        host = rest.substr(1, close - 1);
        rest.remove_prefix(close + 1);
    } else {
        const auto stop = rest.find_first_of(":/?");
        host = rest.substr(0, stop);
        rest.remove_prefix(stop == std::string_view::npos ? rest.size() : stop);
    }
    if (host.find('@') != std::string_view::npos) {
        // Not echoed: it would hold the tail of a password that contains a raw '@'.
        fail("the host part contains '@' (write an '@' inside the user name or password as %40)");
    }
    parts.host = std::string(host);

    if (!rest.empty() && rest.front() == ':') {
        const auto stop = rest.find_first_of("/?");
        const std::string_view digits =
            rest.substr(1, stop == std::string_view::npos ? std::string_view::npos : stop - 1);
        if (!digits.empty()) {
            parts.port = parse_port(digits);
        }
        rest.remove_prefix(stop == std::string_view::npos ? rest.size() : stop);
    }
    if (!rest.empty() && rest.front() != '/' && rest.front() != '?') {
        fail("malformed host: unexpected text after ']' (expected [address]:port/database)");
    }
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
