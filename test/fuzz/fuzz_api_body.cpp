// Bodies of the management API (SPEC §15): PUT /api/v1/domains/{name} and POST
// /api/v1/import. Any input is a valid plan or a 400 problem naming a JSON pointer;
// whatever is accepted satisfies the rules the write path relies on.
#include <cstdint>

#include "core/address.h"
#include "core/api/domain_json.h"
#include "core/api/problem.h"
#include "core/seed_protocols.h"
#include "core/vocabulary.h"
#include "test/fuzz/fuzz_input.h"

using namespace automx2;

namespace {

void check_plan(const DomainPlan& plan) {
    auto again = normalise_domain(plan.name);
    fuzz::check(again && *again == plan.name, "domain not normalised", plan.name);
    fuzz::check(!plan.provider.empty() && !plan.short_name.empty(), "provider without name");
    fuzz::check(!plan.provider_id || (*plan.provider_id >= 1 && *plan.provider_id <= 2147483647),
                "provider_id out of range");
    for (const auto& server : plan.servers) {
        fuzz::check(parse_server_type(server.type).has_value(), "unknown server type accepted",
                    server.type);
        fuzz::check(server.port >= 1 && server.port <= 65535, "mail port out of range");
        fuzz::check(parse_socket_type(server.socket_type).has_value(), "socket type accepted",
                    server.socket_type);
        fuzz::check(parse_authentication(server.authentication).has_value(),
                    "authentication accepted", server.authentication);
    }
    for (const auto& dav : plan.dav_servers) {
        fuzz::check(parse_dav_type(dav.type).has_value(), "unknown DAV type accepted", dav.type);
        fuzz::check(dav.port >= 0 && dav.port <= 65535, "DAV port out of range");
    }
    for (const auto& endpoint : plan.endpoints) {
        fuzz::check(parse_endpoint_type(endpoint.type).has_value(), "endpoint type accepted",
                    endpoint.type);
        fuzz::check(is_https_url(endpoint.url, true), "endpoint url accepted", endpoint.url);
    }
    if (plan.oauth2) {
        fuzz::check(!plan.oauth2->issuer.empty() && !plan.oauth2->scope.empty(),
                    "oauth2 without issuer or scope");
        for (const auto* url : {&plan.oauth2->auth_url, &plan.oauth2->token_url}) {
            fuzz::check(!*url || is_https_url(**url, false), "oauth2 url accepted",
                        url->value_or(""));
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1)
        return 0;
    // First byte: a PUT body (even) or an import body (odd).
    std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
    try {
        if (data[0] & 1) {
            const ChangeSet changes = api::parse_import_body(body);
            for (const auto& plan : changes.domains) {
                check_plan(plan);
            }
        } else {
            check_plan(api::parse_domain_body("fuzz.example", body));
        }
    } catch (const api::Problem& problem) {
        fuzz::check(problem.status() == 400, "a body error that is not 400");
        for (const auto& error : problem.errors()) {
            fuzz::check(error.pointer.empty() || error.pointer.front() == '/', "not a JSON pointer",
                        error.pointer);
        }
    }
    return 0;
}
