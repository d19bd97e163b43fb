// The management API's bearer tokens (SPEC §15): a file of NAME:SHA256-HEX lines, read
// at each request (a token added or removed counts at once). The file never holds a
// token; a request's token is hashed and compared with every line in constant time.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace automx2::api {

enum class TokenCheck { accepted, refused, unreadable };

struct TokenResult {
    TokenCheck check = TokenCheck::refused;
    std::string name;  // the token's name when accepted
};

// `authorization` is the Authorization header ("Bearer TOKEN").
TokenResult check_token(const std::string& tokens_file, std::string_view authorization);

// Creates a random token (256 bits, hex), appends NAME:HASH to `tokens_file` (created
// with mode 0600) and returns the token. Throws BadRequest for an invalid or taken
// name, std::runtime_error when the file cannot be written.
std::string add_token(const std::string& tokens_file, const std::string& name);

}  // namespace automx2::api
