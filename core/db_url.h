// The grammar of SQLAlchemy database URLs, split into raw parts (no dialect rules yet:
// those are core/db_uri.cpp's).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/text.h"

namespace automx2::db_url {

struct UrlParts {
    std::string scheme;  // lower case
    std::optional<std::string> user;
    std::optional<std::string> password;
    std::string host;  // an IPv6 literal without its brackets
    std::optional<unsigned> port;
    std::optional<std::string> database;                     // as written (not decoded)
    std::vector<std::pair<std::string, std::string>> query;  // decoded, in order
    std::string display;                                     // the URL with every password masked
};

// Throws ConfigError("db_uri: …") naming the malformed part, never the password.
UrlParts split_url(std::string_view uri);

// 1..65535, else ConfigError (the text is echoed only when it is a number).
unsigned parse_port(std::string_view digits);

using text::printable;  // for messages

[[noreturn]] void fail(const std::string& problem);

}  // namespace automx2::db_url
