#include "core/config_value.h"

#include <charconv>
#include <cmath>
#include <system_error>

#include "core/address.h"
#include "core/text.h"

namespace automx2 {

namespace {

unsigned long long parse_unsigned(const std::string& text, unsigned long long low,
                                  unsigned long long high, const std::string& expected) {
    unsigned long long value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || value < low ||
        value > high) {
        throw InvalidValue(expected);
    }
    return value;
}

std::chrono::milliseconds parse_seconds(const std::string& text) {
    const std::string expected = "seconds between 0.1 and 60, e.g. 2 or 0.5";
    // Plain decimal notation only: no sign, exponent, inf or nan.
    if (text.empty() || text.size() > 16 ||
        text.find_first_not_of("0123456789.") != std::string::npos ||
        text.find('.') != text.rfind('.') || text.front() == '.' || text.back() == '.') {
        throw InvalidValue(expected);
    }
    double seconds = 0;
    const auto [end, ec] =
        std::from_chars(text.data(), text.data() + text.size(), seconds, std::chars_format::fixed);
    if (ec != std::errc{} || end != text.data() + text.size() || seconds < 0.1 || seconds > 60) {
        throw InvalidValue(expected);
    }
    return std::chrono::milliseconds(std::llround(seconds * 1000));
}

std::string show_seconds(std::chrono::milliseconds value) {
    const auto ms = value.count();
    std::string out = std::to_string(ms / 1000);
    if (ms % 1000 != 0) {
        std::string fraction = std::to_string(1000 + ms % 1000).substr(1);
        while (fraction.back() == '0') {
            fraction.pop_back();
        }
        out += '.' + fraction;
    }
    return out;
}

const char* level_name(log::Level level) {
    switch (level) {
        case log::Level::debug:
            return "DEBUG";
        case log::Level::info:
            return "INFO";
        case log::Level::warning:
            return "WARNING";
        case log::Level::error:
            return "ERROR";
        case log::Level::critical:
            return "CRITICAL";
    }
    return "WARNING";
}

// "a, b or c"
std::string word_list(std::span<const std::string_view> words) {
    std::string out;
    for (std::size_t i = 0; i < words.size(); ++i) {
        if (i > 0) {
            out += i + 1 == words.size() ? " or " : ", ";
        }
        out += words[i];
    }
    return out;
}

// One overload per value type: set (read and check), show.
struct Setter {
    Config& config;
    const std::string& written;

    void operator()(const value::Boolean& t) const {
        const auto flag = text::parse_bool(written);
        if (!flag) {
            throw InvalidValue(std::string(text::bool_words));
        }
        config.*t.field = *flag;
    }
    void operator()(const value::Count& t) const {
        config.*t.field = static_cast<unsigned>(parse_unsigned(
            written, t.min, t.max,
            std::string(t.noun) + ", " + std::to_string(t.min) + ".." + std::to_string(t.max)));
    }
    void operator()(const value::Bytes& t) const {
        config.*t.field = static_cast<std::size_t>(parse_unsigned(
            written, t.min, t.max,
            "a size in bytes, " + std::to_string(t.min) + ".." + std::to_string(t.max)));
    }
    void operator()(const value::Seconds& t) const { config.*t.field = parse_seconds(written); }
    void operator()(const value::Text& t) const { config.*t.field = written; }
    void operator()(const value::HostName& t) const {
        const auto host = normalise_domain(written);
        if (!host) {
            throw InvalidValue("a host name, e.g. autoconfig.example.com");
        }
        config.*t.field = *host;
    }
    void operator()(const value::Choice& t) const {
        for (auto word : t.words) {
            if (text::iequals(word, written)) {
                config.*t.field = word;
                return;
            }
        }
        throw InvalidValue(word_list(t.words));
    }
    void operator()(const value::LogLevel& t) const {
        if (!log::parse_level(written, config.*t.field)) {
            throw InvalidValue("DEBUG, INFO, WARNING, ERROR, CRITICAL or FATAL");
        }
    }
    void operator()(const value::Networks& t) const {
        config.*t.field = parse_network_list(written);
    }
    void operator()(const value::DatabaseUrl&) const {
        config.db = parse_db_uri(written);
        config.db_uri = written;
    }
};

struct Shower {
    const Config& config;

    std::string operator()(const value::Boolean& t) const { return config.*t.field ? "yes" : "no"; }
    std::string operator()(const value::Count& t) const { return std::to_string(config.*t.field); }
    std::string operator()(const value::Bytes& t) const { return std::to_string(config.*t.field); }
    std::string operator()(const value::Seconds& t) const { return show_seconds(config.*t.field); }
    std::string operator()(const value::Text& t) const { return config.*t.field; }
    std::string operator()(const value::HostName& t) const { return config.*t.field; }
    std::string operator()(const value::Choice& t) const { return config.*t.field; }
    std::string operator()(const value::LogLevel& t) const { return level_name(config.*t.field); }
    std::string operator()(const value::Networks& t) const {
        std::string out;
        for (const auto& network : config.*t.field) {
            out += (out.empty() ? "" : ", ") + network.text;
        }
        return out;
    }
    std::string operator()(const value::DatabaseUrl&) const { return config.db.display; }
};

}  // namespace

void set_value(const ValueType& type, Config& config, const std::string& text) {
    std::visit(Setter{config, text}, type);
}

std::string show_value(const ValueType& type, const Config& config) {
    return std::visit(Shower{config}, type);
}

bool echoes_value(const ValueType& type) {
    return !std::holds_alternative<value::DatabaseUrl>(type);
}

}  // namespace automx2
