// Query strings (core/http.h, core/url.h): parse_query and percent_decode never read out of
// bounds, and decoding never makes text longer.
#include <cstdint>

#include "core/http.h"
#include "core/url.h"
#include "test/fuzz/fuzz_input.h"

using namespace automx2;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    for (bool plus : {false, true}) {
        std::string decoded = url::percent_decode(text, plus);
        fuzz::check(decoded.size() <= text.size(), "percent_decode grew the text", text);
        if (text.find('%') == std::string_view::npos && !plus) {
            fuzz::check(decoded == text, "percent_decode changed text without escapes", text);
        }
    }
    auto pairs = parse_query(text);
    std::size_t total = 0;
    for (const auto& [name, value] : pairs) {
        total += name.size() + value.size();
    }
    fuzz::check(total <= text.size(), "parse_query produced more text than it was given", text);
    Request request;
    request.query = std::move(pairs);
    if (!request.query.empty()) {
        auto first = request.param(request.query.front().first);
        fuzz::check(first && *first == request.query.front().second, "param() is not first-wins");
    }
    return 0;
}
