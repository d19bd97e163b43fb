// Seed JSON of POST /initdb/ (SPEC §10): any input is a valid Seed or BadRequest.
// Whatever parse_seed accepts satisfies the rules the store relies on.
#include <cstdint>

#include "core/address.h"
#include "core/errors.h"
#include "core/seed.h"
#include "test/fuzz/fuzz_input.h"

using namespace automx2;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1)
        return 0;
    // First byte: whether an LDAP server with id 1 is already stored.
    std::vector<long> stored;
    if (data[0] & 1)
        stored.push_back(1);
    std::string_view json(reinterpret_cast<const char*>(data + 1), size - 1);
    try {
        Seed seed = parse_seed(json, stored);
        for (const auto& provider : seed.providers) {
            fuzz::check(!provider.domains.empty(), "provider without domain accepted");
            fuzz::check(!provider.servers.empty(), "provider without mail server accepted");
            for (const auto& domain : provider.domains) {
                auto again = normalise_domain(domain.name);
                fuzz::check(again && *again == domain.name, "domain not normalised", domain.name);
            }
            for (const auto& server : provider.servers) {
                fuzz::check(server.type == "imap" || server.type == "pop" || server.type == "smtp",
                            "unknown server type accepted", server.type);
            }
            for (const auto& dav : provider.dav_servers) {
                fuzz::check(dav.type == "caldav" || dav.type == "carddav",
                            "unknown DAV type accepted", dav.type);
            }
        }
    } catch (const BadRequest&) {
    }
    return 0;
}
