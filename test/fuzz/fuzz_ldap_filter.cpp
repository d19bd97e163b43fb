// RFC 4515 escaping (backends/ldap_filter.h): whatever the address, the escaped value
// holds no filter metacharacter, and build_filter adds no structure to the filter.
#include <cstdint>

#include "backends/ldap_filter.h"
#include "test/fuzz/fuzz_input.h"

using namespace automx2;

namespace {

bool is_hex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// Unescaped '(' and ')' of an escaped value or a filter.
std::size_t parens(std::string_view text) {
    std::size_t n = 0;
    for (char c : text)
        n += c == '(' || c == ')';
    return n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::Fields fields(data, size);
    std::string_view filter = fields.next();
    std::string_view address = fields.rest();

    std::string escaped = escape_filter_value(address);
    for (std::size_t i = 0; i < escaped.size(); ++i) {
        char c = escaped[i];
        fuzz::check(c != '*' && c != '(' && c != ')' && c != '\0', "metacharacter left unescaped",
                    escaped);
        if (c == '\\') {
            fuzz::check(i + 2 < escaped.size() && is_hex(escaped[i + 1]) && is_hex(escaped[i + 2]),
                        "backslash not followed by two hex digits", escaped);
            i += 2;
        }
    }
    std::string built = build_filter(filter, address);
    fuzz::check(parens(built) == parens(filter), "build_filter changed the filter's structure",
                built);
    if (filter.find_first_of("{}") == std::string_view::npos) {
        fuzz::check(built == filter, "filter without fields changed", built);
    }
    return 0;
}
