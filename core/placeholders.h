// %EMAILADDRESS%, %EMAILLOCALPART%, %EMAILDOMAIN% (SPEC §3).
#pragma once

#include <string>
#include <string_view>

#include "core/address.h"

namespace automx2 {

// Replaces each placeholder in `value` once, scanning left to right; substituted text
// is never scanned again. Unknown %WORDS% stay as they are.
std::string expand_placeholders(std::string_view value, const Address& address);

// The same for a URL: the substituted parts are percent-encoded (RFC 3986 unreserved
// characters and '@' stay as they are, so that /dav/%EMAILADDRESS%/ keeps working).
std::string expand_placeholders_in_url(std::string_view url, const Address& address);

// SPEC §16: only %EMAILDOMAIN%, replaced by `domain` (a DNS name: nothing to encode, even
// in a URL), for host names every protocol expands; the other placeholders stay.
std::string expand_domain_placeholder(std::string_view value, std::string_view domain);

}  // namespace automx2
