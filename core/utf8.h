// UTF-8 decoding shared by everything that vets text from outside (documents, directory
// values).
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace automx2::utf8 {

struct CodePoint {
    char32_t value = 0;
    std::size_t length = 0;  // bytes of the sequence
};

// Decodes the sequence starting at text[at]; nullopt for an invalid one (a stray
// continuation byte, a truncated or overlong sequence, a surrogate, beyond U+10FFFF).
std::optional<CodePoint> decode(std::string_view text, std::size_t at);

}  // namespace automx2::utf8
