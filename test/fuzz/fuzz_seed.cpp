// Seed JSON of POST /initdb/ (SPEC §10): any input is a valid Seed or BadRequest.
// Whatever parse_seed accepts satisfies the rules the store relies on.
#include <cstdint>

#include "core/address.h"
#include "core/errors.h"
#include "core/seed.h"
#include "core/seed_protocols.h"
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
            // SPEC §16: what the builders write into <url>, <oAuth2> and MobileSync.
            for (const auto& endpoint : provider.endpoints) {
                fuzz::check(parse_endpoint_type(endpoint.type) &&
                                word(*parse_endpoint_type(endpoint.type)) == endpoint.type,
                            "endpoint type accepted", endpoint.type);
                fuzz::check(endpoint.url.starts_with("https://") && endpoint.url.size() <= 255 &&
                                is_https_url(endpoint.url, true),
                            "endpoint url accepted", endpoint.url);
            }
            if (const auto& o = provider.oauth2) {
                fuzz::check(!o->issuer.empty() && o->issuer.size() <= 255 && !o->scope.empty() &&
                                o->scope.size() <= 255,
                            "oauth2 issuer or scope accepted", o->issuer);
                for (const auto* url : {&o->auth_url, &o->token_url}) {
                    fuzz::check(!*url || is_https_url(**url, false), "oauth2 url accepted",
                                url->value_or(""));
                }
            }
        }
    } catch (const BadRequest&) {
    }
    return 0;
}
