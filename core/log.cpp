#include "core/log.h"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <string>

namespace automx2::log {

namespace {

std::atomic<int> current_level{static_cast<int>(Level::warning)};

// A log line is written with one write(2); very long messages are cut so that one event
// stays one line of reasonable size.
constexpr std::size_t max_message_bytes = 4096;

const char* level_name(Level level) {
    switch (level) {
        case Level::debug:
            return "DEBUG";
        case Level::info:
            return "INFO";
        case Level::warning:
            return "WARNING";
        case Level::error:
            return "ERROR";
        case Level::critical:
            return "CRITICAL";
    }
    return "UNKNOWN";
}

char ascii_upper(char c) {
    return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
}

void append_hex_escape(std::string& out, const char* prefix, unsigned value, int digits) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%s%0*x", prefix, digits, value);
    out += buf;
}

// Log injection: a message must not be able to start a new line, move the cursor or
// fake another entry. C0 controls and DEL become \n-style escapes; C1 controls (NEL,
// U+0085, ends a line for some viewers) and U+2028/U+2029 in UTF-8 become \u escapes.
void append_escaped(std::string& out, std::string_view message) {
    for (std::size_t i = 0; i < message.size(); ++i) {
        const auto c = static_cast<unsigned char>(message[i]);
        if (c == '\n') {
            out += "\\n";
        } else if (c == '\r') {
            out += "\\r";
        } else if (c == '\t') {
            out += "\\t";
        } else if (c < 0x20 || c == 0x7f) {
            append_hex_escape(out, "\\x", c, 2);
        } else if (c == 0xc2 && i + 1 < message.size() &&
                   static_cast<unsigned char>(message[i + 1]) >= 0x80 &&
                   static_cast<unsigned char>(message[i + 1]) <= 0x9f) {
            append_hex_escape(out, "\\u", static_cast<unsigned char>(message[i + 1]), 4);
            ++i;
        } else if (c == 0xe2 && i + 2 < message.size() &&
                   static_cast<unsigned char>(message[i + 1]) == 0x80 &&
                   (static_cast<unsigned char>(message[i + 2]) == 0xa8 ||
                    static_cast<unsigned char>(message[i + 2]) == 0xa9)) {
            append_hex_escape(out, "\\u",
                              0x2000u + static_cast<unsigned char>(message[i + 2]) - 0x80u, 4);
            i += 2;
        } else {
            out += static_cast<char>(c);
        }
    }
}

}  // namespace

bool parse_level(std::string_view name, Level& out) {
    std::string upper;
    if (name.size() > 16) {
        return false;
    }
    for (char c : name) {
        upper += ascii_upper(c);
    }
    // Python's logging also knows WARN as an alias of WARNING and FATAL of CRITICAL.
    if (upper == "DEBUG") {
        out = Level::debug;
    } else if (upper == "INFO") {
        out = Level::info;
    } else if (upper == "WARNING" || upper == "WARN") {
        out = Level::warning;
    } else if (upper == "ERROR") {
        out = Level::error;
    } else if (upper == "CRITICAL" || upper == "FATAL") {
        out = Level::critical;
    } else {
        return false;
    }
    return true;
}

void set_level(Level level) {
    current_level.store(static_cast<int>(level), std::memory_order_relaxed);
}

bool enabled(Level level) {
    return static_cast<int>(level) >= current_level.load(std::memory_order_relaxed);
}

void write(Level level, std::string_view message) {
    if (!enabled(level)) {
        return;
    }
    std::string line;
    line.reserve(64 + message.size());
    line += "automx2-fcgi[";
    line += std::to_string(::getpid());
    line += "]: ";
    line += level_name(level);
    line += ": ";
    if (message.size() > max_message_bytes) {
        append_escaped(line, message.substr(0, max_message_bytes));
        line += " [truncated]";
    } else {
        append_escaped(line, message);
    }
    line += '\n';

    const char* data = line.data();
    std::size_t left = line.size();
    while (left > 0) {
        const ssize_t n = ::write(STDERR_FILENO, data, left);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return;  // stderr is gone: nowhere left to report that
        }
        data += n;
        left -= static_cast<std::size_t>(n);
    }
}

}  // namespace automx2::log
