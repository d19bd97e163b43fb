// Addresses and domain names from clients (SPEC §4, §12): parse_address,
// normalise_domain, domain_from_host, text::trim.
#include <cstdint>

#include "core/address.h"
#include "core/errors.h"
#include "core/text.h"
#include "test/fuzz/fuzz_input.h"

using namespace automx2;

namespace {

void check_domain(const std::string& domain) {
    fuzz::check(!domain.empty(), "empty normalised domain");
    for (unsigned char c : domain) {
        fuzz::check(c > 0x20 && c < 0x7f && !(c >= 'A' && c <= 'Z'), "domain not lower-case ASCII",
                    domain);
    }
    auto again = normalise_domain(domain);
    fuzz::check(again && *again == domain, "normalise_domain not idempotent", domain);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        Address address = parse_address(text);
        fuzz::check(!address.local.empty() && address.local.size() <= 64, "local part length",
                    address.local);
        fuzz::check(address.local.find('@') == std::string::npos, "'@' in local part",
                    address.local);
        check_domain(address.domain);
    } catch (const BadRequest&) {
    }
    if (auto domain = normalise_domain(text))
        check_domain(*domain);
    if (auto domain = domain_from_host(text))
        check_domain(*domain);
    std::string_view trimmed = text::trim(text);
    fuzz::check(trimmed.size() <= text.size(), "trim grew the text");
    return 0;
}
