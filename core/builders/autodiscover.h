// Microsoft Autodiscover (POX, SPEC §8, §12).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/address.h"
#include "core/settings.h"

namespace automx2 {

struct AutodiscoverRequest {
    std::string email_address;  // trimmed text of Request/EMailAddress
    // AcceptableResponseSchema names only the mobilesync schema: answer with the
    // domain's ActiveSync URL, or error 601 when it has none (SPEC §16).
    bool mobilesync_only = false;
};

// Throws BadRequest for malformed XML, a DOCTYPE, a wrong root or a missing
// EMailAddress (found by local names, whatever the namespace).
AutodiscoverRequest parse_autodiscover_request(std::string_view body);

// Placeholders are expanded server-side, once.
std::string build_autodiscover(const DomainSettings& settings, const Address& address);

// The answer to a MobileSync request ([MS-ASCMD] 2.2.1.1.2): the domain's first
// ActiveSync endpoint; nullopt when it has none (the caller answers error 601).
std::optional<std::string> build_autodiscover_mobilesync(const DomainSettings& settings,
                                                         const Address& address);

// The POX error answered with HTTP 200 to mobilesync-only requests (code 601).
std::string build_autodiscover_error_601();

}  // namespace automx2
