// Microsoft Autodiscover (POX, SPEC §8, §12).
#pragma once

#include <string>
#include <string_view>

#include "core/address.h"
#include "core/settings.h"

namespace automx2 {

struct AutodiscoverRequest {
    std::string email_address;  // trimmed text of Request/EMailAddress
    // AcceptableResponseSchema names only the mobilesync schema: answer error 601.
    bool mobilesync_only = false;
};

// Throws BadRequest for malformed XML, a DOCTYPE, a wrong root or a missing
// EMailAddress (found by local names, whatever the namespace).
AutodiscoverRequest parse_autodiscover_request(std::string_view body);

// Placeholders are expanded server-side, once.
std::string build_autodiscover(const DomainSettings& settings, const Address& address);

// The POX error answered with HTTP 200 to mobilesync-only requests (code 601).
std::string build_autodiscover_error_601();

}  // namespace automx2
