// The FastCGI environment → Request (core/cgi.h), with the body fed in chunks the way
// the FastCGI layer reads it. Invariants: the body never exceeds the limit, and with
// proxy_count = 0 no forwarded header changes the client's address, host or scheme.
#include <array>
#include <cstdint>
#include <cstring>
#include <string>

#include "core/cgi.h"
#include "test/fuzz/fuzz_input.h"

using namespace automx2;

namespace {

constexpr std::array<const char*, 13> names{"REQUEST_METHOD",
                                            "REQUEST_URI",
                                            "QUERY_STRING",
                                            "CONTENT_TYPE",
                                            "CONTENT_LENGTH",
                                            "REMOTE_ADDR",
                                            "HTTP_X_FORWARDED_FOR",
                                            "HTTP_X_FORWARDED_HOST",
                                            "HTTP_X_FORWARDED_PROTO",
                                            "HTTP_HOST",
                                            "HTTPS",
                                            "SCRIPT_NAME",
                                            "PATH_INFO"};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2)
        return 0;
    Config config;
    config.proxy_count = data[0] % 4;
    config.max_body_size = data[1] % 2 ? 65536 : data[1];
    fuzz::Fields fields(data + 2, size - 2);
    std::array<std::string_view, names.size()> values{};
    for (auto& value : values)
        value = fields.next();
    std::string_view body = fields.rest();

    auto lookup = [&](const char* name) -> std::string_view {
        for (std::size_t i = 0; i < names.size(); ++i) {
            if (std::strcmp(names[i], name) == 0)
                return values[i];
        }
        return {};
    };
    Request request = make_request(lookup, config);
    const bool declared_too_large = request.body_too_large;
    fuzz::check(request.body.empty(), "make_request filled the body");

    // Chunks of 1..16 bytes, sizes taken from the body itself.
    std::string_view rest = body;
    bool keep = !request.body_too_large;
    while (!rest.empty()) {
        std::size_t n =
            std::min<std::size_t>(rest.size(), 1 + (static_cast<unsigned char>(rest[0]) % 16));
        if (keep)
            keep = append_body(request, rest.substr(0, n), config.max_body_size);
        rest.remove_prefix(n);
    }
    fuzz::check(request.body.size() <= config.max_body_size, "body over the limit");
    if (request.body_too_large) {
        fuzz::check(request.body.empty(), "a too-large body was kept");
    } else {
        fuzz::check(request.body == body, "body not kept whole");
        fuzz::check(!declared_too_large, "body_too_large was reset");
    }
    if (config.proxy_count == 0) {
        // Without trusted proxies the forwarded headers must change nothing at all.
        auto without_forwarded = [&](const char* name) -> std::string_view {
            if (std::strncmp(name, "HTTP_X_FORWARDED_", 17) == 0)
                return {};
            return lookup(name);
        };
        Request plain = make_request(without_forwarded, config);
        fuzz::check(request.remote_addr == plain.remote_addr,
                    "X-Forwarded-For trusted with proxy_count 0", request.remote_addr);
        fuzz::check(request.host == plain.host, "X-Forwarded-Host trusted with proxy_count 0",
                    request.host);
        fuzz::check(request.scheme == plain.scheme, "X-Forwarded-Proto trusted with proxy_count 0",
                    request.scheme);
    }
    fuzz::check(request.scheme == "http" || request.scheme == "https" || config.proxy_count > 0,
                "scheme from nowhere", request.scheme);
    fuzz::check(request.method == lookup("REQUEST_METHOD"), "method changed");
    return 0;
}
