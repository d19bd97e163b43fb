// The INI configuration (SPEC §1): any text is a Config or a ConfigError.
#include <cstdint>
#include <string>

#include "core/config.h"
#include "core/errors.h"
#include "core/log.h"
#include "test/fuzz/fuzz_input.h"

using namespace automx2;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const bool quiet = [] {
        log::set_level(log::Level::critical);
        return true;
    }();
    (void)quiet;
    std::string text(reinterpret_cast<const char*>(data), size);
    try {
        Config config = parse_config(text, "fuzz.conf");
        fuzz::check(!config.db.database.empty() || config.db.in_memory, "db_uri not parsed");
    } catch (const ConfigError&) {
    }
    return 0;
}
