// ASCII text helpers shared by every module. Protocol words, header values and
// configuration keys are ASCII: these never apply a locale, so a Turkish or German
// environment cannot change what "IMAP" or "Yes" means.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace automx2::text {

constexpr char ascii_lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// Letters A–Z/a–z compared without case; every other byte compared exactly.
bool iequals(std::string_view a, std::string_view b);
bool istarts_with(std::string_view text, std::string_view prefix);

std::string to_lower(std::string_view text);

// ASCII control characters: 0x00–0x1f and DEL.
constexpr bool is_control(char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
}

// A value as it may appear in a message or a log line: control characters as '?', at
// most `limit` bytes, "..." when cut.
std::string printable(std::string_view text, std::size_t limit = 100);

// Space, tab, CR, LF, form feed and vertical tab (C's isspace in the "C" locale).
bool is_space(char c);
std::string_view trim(std::string_view text);

// The one set of boolean words (configuration, seed data): yes/no, true/false,
// on/off, 1/0, any case. nullopt for anything else, white space included.
std::optional<bool> parse_bool(std::string_view text);

// The words parse_bool accepts, for error messages.
inline constexpr std::string_view bool_words = "yes/no, true/false, on/off or 1/0";

}  // namespace automx2::text
