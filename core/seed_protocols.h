// The seed fields of SPEC §16: a provider's "oauth2" object and the servers that are
// URLs (activesync, ews, jmap). Shared by the seed parser and the management API.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/model.h"
#include "core/seed.h"

namespace automx2 {

// Column width of oauth2.* and endpoint.url.
inline constexpr std::size_t kProtocolUrlWidth = 255;

// An https URL without userinfo, with a valid host (a DNS name or an IP literal) and
// port, and no white space, quote or angle bracket. `placeholders`: %EMAILDOMAIN% (and
// the other placeholders) may stand in the host and path.
bool is_https_url(std::string_view text, bool placeholders);

// `value` is the seed's "oauth2" member; null means none. Throws BadRequest naming
// `path` and the field: issuer (an https URL or a host name) and scope (RFC 6749
// scope tokens) required; auth_url, token_url (https URLs) and client_id optional.
std::optional<OAuth2Row> parse_seed_oauth2(const nlohmann::json& value, const std::string& path);

// One entry of "servers" whose type is an endpoint type (`word`, already checked):
// "url" required, an https URL.
SeedEndpoint parse_seed_endpoint(const nlohmann::json& server, const std::string& path,
                                 std::string_view word);

}  // namespace automx2
