#include "core/utf8.h"

namespace automx2::utf8 {

std::optional<CodePoint> decode(std::string_view text, std::size_t at) {
    if (at >= text.size()) {
        return std::nullopt;
    }
    const auto lead = static_cast<unsigned char>(text[at]);
    CodePoint point;
    if (lead < 0x80) {
        return CodePoint{lead, 1};
    } else if (lead >= 0xc2 && lead <= 0xdf) {
        point = {static_cast<char32_t>(lead & 0x1f), 2};
    } else if (lead >= 0xe0 && lead <= 0xef) {
        point = {static_cast<char32_t>(lead & 0x0f), 3};
    } else if (lead >= 0xf0 && lead <= 0xf4) {
        point = {static_cast<char32_t>(lead & 0x07), 4};
    } else {
        return std::nullopt;  // a continuation byte, 0xc0/0xc1 (overlong) or 0xf5..0xff
    }
    if (at + point.length > text.size()) {
        return std::nullopt;
    }
    for (std::size_t k = 1; k < point.length; ++k) {
        const auto next = static_cast<unsigned char>(text[at + k]);
        if ((next & 0xc0) != 0x80) {
            return std::nullopt;
        }
        point.value = (point.value << 6) | (next & 0x3f);
    }
    const bool overlong =
        (point.length == 3 && point.value < 0x800) || (point.length == 4 && point.value < 0x10000);
    const bool surrogate = point.value >= 0xd800 && point.value <= 0xdfff;
    if (overlong || surrogate || point.value > 0x10ffff) {
        return std::nullopt;
    }
    return point;
}

}  // namespace automx2::utf8
