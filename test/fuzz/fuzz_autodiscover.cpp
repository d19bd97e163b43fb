// The Autodiscover request body (SPEC §8): any input either parses or throws
// BadRequest; no other exception, no crash, no entity expansion.
#include <cstdint>

#include "core/builders/autodiscover.h"
#include "core/errors.h"
#include "test/fuzz/fuzz_input.h"

using namespace automx2;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view body(reinterpret_cast<const char*>(data), size);
    try {
        AutodiscoverRequest request = parse_autodiscover_request(body);
        // The address is text of the body, trimmed: never longer than the body.
        fuzz::check(request.email_address.size() <= body.size(), "address longer than the body");
    } catch (const BadRequest&) {
    }
    return 0;
}
