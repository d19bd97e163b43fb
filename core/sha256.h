// SHA-256 (OpenSSL) for admin tokens, ETags and PACC digests.
#pragma once

#include <string>
#include <string_view>

namespace automx2 {

// Lower-case hex digest of `data`.
std::string sha256_hex(std::string_view data);

// Base64 (RFC 4648 §4, with padding) of the raw digest of `data` (PACC's TXT record).
std::string sha256_base64(std::string_view data);

// Equal strings, in time that depends only on their lengths (secrets, hashes).
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace automx2
