#include "core/net.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

#include "core/errors.h"
#include "core/text.h"

namespace automx2 {

namespace {

using text::is_space;
using text::trim;

// Longest textual IPv6 address (with an embedded IPv4 part) is 45 characters.
constexpr std::size_t max_address_text = 64;

// IPv4 becomes IPv4-mapped IPv6 (::ffff:a.b.c.d) so that one comparison serves both;
// `is_v4` tells the caller to shift a prefix by 96.
std::optional<std::array<std::uint8_t, 16>> parse_address(std::string_view text, bool& is_v4) {
    if (text.empty() || text.size() > max_address_text) {
        return std::nullopt;
    }
    char buf[max_address_text + 1];
    std::memcpy(buf, text.data(), text.size());
    buf[text.size()] = '\0';

    std::array<std::uint8_t, 16> bytes{};
    in_addr v4{};
    if (::inet_pton(AF_INET, buf, &v4) == 1) {
        bytes[10] = 0xff;
        bytes[11] = 0xff;
        std::memcpy(bytes.data() + 12, &v4, 4);
        is_v4 = true;
        return bytes;
    }
    in6_addr v6{};
    if (::inet_pton(AF_INET6, buf, &v6) == 1) {
        std::memcpy(bytes.data(), &v6, 16);
        is_v4 = false;
        return bytes;
    }
    return std::nullopt;
}

bool same_prefix(const std::array<std::uint8_t, 16>& a, const std::array<std::uint8_t, 16>& b,
                 unsigned prefix) {
    unsigned full = prefix / 8;
    if (std::memcmp(a.data(), b.data(), full) != 0) {
        return false;
    }
    const unsigned rest = prefix % 8;
    if (rest == 0) {
        return true;
    }
    const auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
    return (a[full] & mask) == (b[full] & mask);
}

void clear_host_bits(std::array<std::uint8_t, 16>& bytes, unsigned prefix) {
    for (unsigned bit = prefix; bit < 128; ++bit) {
        bytes[bit / 8] &= static_cast<std::uint8_t>(~(0x80u >> (bit % 8)));
    }
}

// RFC 7230 list elements as werkzeug's ProxyFix sees them (parse_list_header): split at
// commas, trimmed, a trailing empty element dropped, surrounding double quotes removed.
std::vector<std::string_view> header_values(std::string_view header) {
    std::vector<std::string_view> values;
    std::size_t start = 0;
    while (true) {
        const std::size_t comma = header.find(',', start);
        std::string_view item = trim(header.substr(
            start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
        if (item.size() >= 2 && item.front() == '"' && item.back() == '"') {
            item = item.substr(1, item.size() - 2);
        }
        if (comma == std::string_view::npos) {
            if (!item.empty()) {
                values.push_back(item);
            }
            break;
        }
        values.push_back(item);
        start = comma + 1;
    }
    return values;
}

}  // namespace

bool Network::contains(std::string_view ip) const {
    ip = trim(ip);
    if (ip.size() >= 2 && ip.front() == '[' && ip.back() == ']') {
        ip = ip.substr(1, ip.size() - 2);
    }
    // A zone id ("fe80::1%eth0") names the interface, not part of the address.
    if (const auto percent = ip.find('%'); percent != std::string_view::npos) {
        ip = ip.substr(0, percent);
    }
    bool is_v4 = false;
    const auto bytes = parse_address(ip, is_v4);
    return bytes && same_prefix(*bytes, address, prefix);
}

std::optional<Network> parse_network(std::string_view text) {
    text = trim(text);
    std::string_view addr = text;
    std::optional<unsigned> bits;
    if (const auto slash = text.find('/'); slash != std::string_view::npos) {
        addr = text.substr(0, slash);
        const std::string_view digits = text.substr(slash + 1);
        unsigned value = 0;
        if (digits.empty() || digits.size() > 3) {
            return std::nullopt;
        }
        const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
        if (ec != std::errc{} || end != digits.data() + digits.size()) {
            return std::nullopt;
        }
        bits = value;
    }
    bool is_v4 = false;
    const auto bytes = parse_address(addr, is_v4);
    if (!bytes) {
        return std::nullopt;
    }
    Network net;
    net.address = *bytes;
    net.text = std::string(text);
    if (bits) {
        if (*bits > (is_v4 ? 32u : 128u)) {
            return std::nullopt;
        }
        net.prefix = is_v4 ? *bits + 96 : *bits;
    } else {
        net.prefix = 128;
    }
    clear_host_bits(net.address, net.prefix);
    return net;
}

std::vector<Network> parse_network_list(std::string_view text) {
    std::vector<Network> networks;
    std::size_t pos = 0;
    while (pos < text.size()) {
        while (pos < text.size() && (text[pos] == ',' || is_space(text[pos]))) {
            ++pos;
        }
        std::size_t end = pos;
        while (end < text.size() && text[end] != ',' && !is_space(text[end])) {
            ++end;
        }
        if (end == pos) {
            break;
        }
        const std::string_view item = text.substr(pos, end - pos);
        auto net = parse_network(item);
        if (!net) {
            throw ConfigError("invalid network '" + std::string(item.substr(0, 80)) +
                              "' (expected an IPv4 or IPv6 address with an optional /prefix, "
                              "e.g. 192.0.2.0/24 or 2001:db8::/32)");
        }
        networks.push_back(std::move(*net));
        pos = end;
    }
    return networks;
}

std::vector<Network> default_initdb_networks() {
    return parse_network_list("127.0.0.1, ::1");
}

std::string client_address(std::string_view remote_addr, std::string_view forwarded_for,
                           unsigned proxy_count) {
    if (auto value = forwarded_value(forwarded_for, proxy_count)) {
        return std::move(*value);
    }
    return std::string(trim(remote_addr));
}

std::optional<std::string> forwarded_value(std::string_view header, unsigned proxy_count) {
    if (proxy_count == 0 || trim(header).empty()) {
        return std::nullopt;
    }
    // Each trusted proxy appends one value; the one added by the outermost trusted proxy
    // (N-th from the right) describes the client. Fewer values: a proxy was bypassed, so
    // none of them can be trusted (werkzeug ProxyFix behaviour).
    const auto values = header_values(header);
    if (values.size() < proxy_count) {
        return std::nullopt;
    }
    const std::string_view value = values[values.size() - proxy_count];
    if (value.empty()) {
        return std::nullopt;
    }
    return std::string(value);
}

}  // namespace automx2
