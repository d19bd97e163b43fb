// Mail addresses and domain names as they arrive from clients (SPEC §4, §12).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace automx2 {

struct Address {
    std::string local;   // as given (never case-folded: local parts are case-sensitive)
    std::string domain;  // lower-case A-label form (punycode for IDN)
    std::string full() const { return local + "@" + domain; }
};

// Exactly one '@' with a non-empty part on each side, no control characters, no white
// space, local part ≤ 64 octets, whole address ≤ 254 octets (RFC 5321), domain a valid
// (IDNA-convertible) DNS name. Leading/trailing white space is NOT trimmed here.
// Throws BadRequest with a message naming the problem.
Address parse_address(std::string_view text);

// Lower-cases and converts to A-labels (libidn2, IDNA2008 + TR46 non-transitional);
// nullopt for a name that is not a valid host name.
std::optional<std::string> normalise_domain(std::string_view name);

// The domain named by a Host header (SPEC §12): port and a leading "autoconfig." or
// "autodiscover." dropped, then normalised; nullopt when unusable.
std::optional<std::string> domain_from_host(std::string_view host);

}  // namespace automx2
