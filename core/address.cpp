#include "core/address.h"

#include <idn2.h>

#include <algorithm>
#include <cstdlib>
#include <memory>

#include "core/errors.h"
#include "core/text.h"

namespace automx2 {
namespace {

// RFC 5321 §4.5.3.1: the limits clients and MTAs enforce.
constexpr std::size_t max_local_part = 64;
constexpr std::size_t max_address = 254;
constexpr std::size_t max_domain = 253;
constexpr std::size_t max_label = 63;

// Letters, digits and hyphens; no label empty, longer than 63 or hyphen-edged (RFC 1123).
bool is_host_name(std::string_view name) {
    if (name.empty() || name.size() > max_domain) {
        return false;
    }
    std::size_t start = 0;
    while (start <= name.size()) {
        std::size_t end = name.find('.', start);
        if (end == std::string_view::npos) {
            end = name.size();
        }
        std::string_view label = name.substr(start, end - start);
        if (label.empty() || label.size() > max_label || label.front() == '-' ||
            label.back() == '-') {
            return false;
        }
        for (unsigned char c : label) {
            bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
            if (!ok) {
                return false;
            }
        }
        start = end + 1;
    }
    return true;
}

struct IdnFree {
    void operator()(uint8_t* p) const noexcept { idn2_free(p); }
};

}  // namespace

std::optional<std::string> normalise_domain(std::string_view name) {
    if (name.empty() || name.size() > 1024) {
        return std::nullopt;
    }
    if (name.back() == '.') {  // the root label of a fully qualified name
        name.remove_suffix(1);
    }
    bool ascii = std::all_of(name.begin(), name.end(), [](unsigned char c) { return c < 0x80; });
    std::string result;
    if (ascii) {
        result = text::to_lower(name);
    } else {
        std::string input(name);
        uint8_t* raw = nullptr;
        int rc = idn2_lookup_u8(reinterpret_cast<const uint8_t*>(input.c_str()), &raw,
                                IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL | IDN2_USE_STD3_ASCII_RULES);
        std::unique_ptr<uint8_t, IdnFree> owned(raw);
        if (rc != IDN2_OK || !owned) {
            return std::nullopt;
        }
        result = text::to_lower(reinterpret_cast<const char*>(owned.get()));
    }
    if (!is_host_name(result)) {
        return std::nullopt;
    }
    return result;
}

Address parse_address(std::string_view text) {
    if (text.size() > max_address) {
        throw BadRequest("email address longer than 254 octets");
    }
    for (const char c : text) {
        if (text::is_control(c)) {
            throw BadRequest("email address contains a control character");
        }
        if (text::is_space(c)) {
            throw BadRequest("email address contains white space");
        }
    }
    std::size_t at = text.find('@');
    if (at == std::string_view::npos || text.find('@', at + 1) != std::string_view::npos) {
        throw BadRequest("email address must contain exactly one '@'");
    }
    std::string_view local = text.substr(0, at);
    std::string_view domain = text.substr(at + 1);
    if (local.empty() || domain.empty()) {
        throw BadRequest("email address needs a local part and a domain");
    }
    if (local.size() > max_local_part) {
        throw BadRequest("local part longer than 64 octets");
    }
    auto normalised = normalise_domain(domain);
    if (!normalised) {
        throw BadRequest("email address has an invalid domain");
    }
    return Address{std::string(local), *normalised};
}

std::optional<std::string> domain_from_host(std::string_view host) {
    host = text::trim(host);
    if (host.empty() || host.front() == '[') {  // an IPv6 literal names no mail domain
        return std::nullopt;
    }
    if (auto colon = host.rfind(':'); colon != std::string_view::npos) {
        host = host.substr(0, colon);
    }
    for (std::string_view prefix : {"autoconfig.", "autodiscover."}) {
        if (text::istarts_with(host, prefix)) {
            host.remove_prefix(prefix.size());
            break;
        }
    }
    return normalise_domain(host);
}

}  // namespace automx2
