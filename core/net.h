// IP addresses and networks for `initdb_allowed_from` and the proxy chain.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace automx2 {

// An IPv4 or IPv6 network; IPv4 is held as IPv4-mapped IPv6 so that both compare alike.
struct Network {
    std::array<std::uint8_t, 16> address{};
    unsigned prefix = 128;
    std::string text;  // as configured, for messages
    bool contains(std::string_view ip) const;
};

// "127.0.0.1", "::1", "10.0.0.0/8", "2001:db8::/32"; nullopt when invalid.
std::optional<Network> parse_network(std::string_view text);

// Comma- or space-separated list; throws ConfigError naming the bad entry.
std::vector<Network> parse_network_list(std::string_view text);

std::vector<Network> default_initdb_networks();  // 127.0.0.1, ::1

// The client's address (SPEC §1 proxy_count): with proxy_count N > 0, the N-th entry
// from the right of X-Forwarded-For when it has at least N entries, else remote_addr.
std::string client_address(std::string_view remote_addr, std::string_view forwarded_for,
                           unsigned proxy_count);

// The same rule for X-Forwarded-Proto / X-Forwarded-Host; nullopt when not applicable.
std::optional<std::string> forwarded_value(std::string_view header, unsigned proxy_count);

}  // namespace automx2
