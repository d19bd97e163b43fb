// The management API's bearer tokens (SPEC §15): a file of NAME:SHA256-HEX lines, read
// at each request (a token added or removed counts at once). The file never holds a
// token; a request's token is hashed and compared with every line in constant time.
// A line may end in an expiry, "NAME:HASH expires=2027-01-31T23:59:59Z" (UTC): past it
// the token is refused (401).
#pragma once

#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace automx2::api {

enum class TokenCheck { accepted, refused, expired, unreadable };

struct TokenResult {
    TokenCheck check = TokenCheck::refused;
    std::string name;     // the token's name when accepted or expired
    std::string expires;  // its expiry as written, when expired
};

// `authorization` is the Authorization header ("Bearer TOKEN"); `now` decides expiry.
TokenResult check_token(const std::string& tokens_file, std::string_view authorization,
                        std::time_t now = std::time(nullptr));

// "YYYY-MM-DD" (the end of that day, UTC) or a number of days from `now` → the expiry
// as written into the file ("2027-01-31T23:59:59Z"); nullopt when it is neither or
// not in the future.
std::optional<std::string> token_expiry(std::string_view text,
                                        std::time_t now = std::time(nullptr));

// Creates a random token (256 bits, hex), appends NAME:HASH to `tokens_file` (created
// with mode 0600) and returns the token. Throws BadRequest for an invalid or taken
// name, std::runtime_error when the file cannot be written.
// `expires` (from token_expiry) is appended to the line when given.
std::string add_token(const std::string& tokens_file, const std::string& name,
                      const std::optional<std::string>& expires = std::nullopt);

}  // namespace automx2::api
