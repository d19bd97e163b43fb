// db_uri (SPEC §1): any text is a DbTarget or a ConfigError; the display form never
// shows the password.
#include <cstdint>

#include "core/db_uri.h"
#include "core/errors.h"
#include "test/fuzz/fuzz_input.h"

using namespace automx2;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        DbTarget target = parse_db_uri(text);
        // A password (the marker after a ':' in the authority) must never be displayed.
        const std::string_view marker = "Pw0rdMarker";
        std::size_t scheme_end = text.find("://");
        if (scheme_end != std::string_view::npos) {
            std::string_view rest = text.substr(scheme_end + 3);
            std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
            std::size_t at = authority.rfind('@');
            std::string_view userinfo =
                at == std::string_view::npos ? std::string_view{} : authority.substr(0, at);
            std::size_t colon = userinfo.find(':');
            // (Only when the marker occurs once: elsewhere it may be a user or database name.)
            std::size_t first = text.find(marker);
            bool once = text.find(marker, first + 1) == std::string_view::npos;
            if (once && colon != std::string_view::npos &&
                userinfo.substr(colon + 1).find(marker) != std::string_view::npos) {
                fuzz::check(target.display.find(marker) == std::string::npos, "password displayed",
                            target.display);
            }
        }
    } catch (const ConfigError&) {
    }
    return 0;
}
