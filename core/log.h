// One line per event on stderr, at or above the configured level (SPEC §14).
#pragma once

#include <string_view>

namespace automx2::log {

enum class Level { debug = 10, info = 20, warning = 30, error = 40, critical = 50 };

// Accepts automx2's level names (DEBUG, INFO, WARNING, ERROR, CRITICAL, FATAL),
// case-insensitively; returns false for anything else.
bool parse_level(std::string_view name, Level& out);

void set_level(Level level);
bool enabled(Level level);

// Writes the whole line with one write(2) so that lines of concurrent threads never
// interleave. Never pass secrets: callers log what failed, not the credentials used.
void write(Level level, std::string_view message);

inline void debug(std::string_view m) {
    write(Level::debug, m);
}
inline void info(std::string_view m) {
    write(Level::info, m);
}
inline void warning(std::string_view m) {
    write(Level::warning, m);
}
inline void error(std::string_view m) {
    write(Level::error, m);
}

}  // namespace automx2::log
