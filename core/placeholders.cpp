#include "core/placeholders.h"

#include <array>

#include "core/url.h"
#include "core/vocabulary.h"

namespace automx2 {
namespace {

// '@' is valid in a path segment and is what a DAV url like /dav/%EMAILADDRESS%/
// expects to keep readable.
std::string encode_in_url(std::string_view text) {
    return url::percent_encode(text, "@");
}

template <typename Encode>
std::string expand(std::string_view value, const Address& address, Encode encode) {
    const std::string full = address.full();
    const std::array<std::pair<std::string_view, std::string_view>, 3> words{{
        {placeholder::address, full},
        {placeholder::local_part, address.local},
        {placeholder::domain, address.domain},
    }};
    std::string out;
    out.reserve(value.size() + full.size());
    std::size_t pos = 0;
    while (pos < value.size()) {
        std::size_t percent = value.find('%', pos);
        if (percent == std::string_view::npos) {
            out.append(value.substr(pos));
            break;
        }
        out.append(value.substr(pos, percent - pos));
        bool replaced = false;
        for (const auto& [word, replacement] : words) {
            if (value.substr(percent).starts_with(word)) {
                out.append(encode(replacement));
                pos = percent + word.size();
                replaced = true;
                break;
            }
        }
        if (!replaced) {
            out.push_back('%');
            pos = percent + 1;
        }
    }
    return out;
}

}  // namespace

std::string expand_placeholders(std::string_view value, const Address& address) {
    return expand(value, address, [](std::string_view s) { return std::string(s); });
}

std::string expand_placeholders_in_url(std::string_view url, const Address& address) {
    return expand(url, address, encode_in_url);
}

std::string expand_domain_placeholder(std::string_view value, std::string_view domain) {
    std::string out;
    std::size_t pos = 0;
    for (std::size_t found = value.find(placeholder::domain); found != std::string_view::npos;
         found = value.find(placeholder::domain, pos)) {
        out.append(value.substr(pos, found - pos));
        out.append(domain);
        pos = found + placeholder::domain.size();
    }
    out.append(value.substr(pos));
    return out;
}

}  // namespace automx2
