#include "core/text.h"

#include <algorithm>
#include <array>
#include <utility>

namespace automx2::text {

bool iequals(std::string_view a, std::string_view b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                      [](char x, char y) { return ascii_lower(x) == ascii_lower(y); });
}

bool istarts_with(std::string_view text, std::string_view prefix) {
    return text.size() >= prefix.size() && iequals(text.substr(0, prefix.size()), prefix);
}

std::string to_lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), ascii_lower);
    return out;
}

std::string printable(std::string_view text, std::size_t limit) {
    std::string out;
    for (const char c : text.substr(0, limit)) {
        out += is_control(c) ? '?' : c;
    }
    if (text.size() > limit) {
        out += "...";
    }
    return out;
}

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && is_space(text.front())) {
        text.remove_prefix(1);
    }
    while (!text.empty() && is_space(text.back())) {
        text.remove_suffix(1);
    }
    return text;
}

std::optional<bool> parse_bool(std::string_view text) {
    static constexpr std::array<std::pair<std::string_view, bool>, 8> words{{
        {"yes", true},
        {"true", true},
        {"on", true},
        {"1", true},
        {"no", false},
        {"false", false},
        {"off", false},
        {"0", false},
    }};
    for (const auto& [word, value] : words) {
        if (iequals(word, text)) {
            return value;
        }
    }
    return std::nullopt;
}

}  // namespace automx2::text
