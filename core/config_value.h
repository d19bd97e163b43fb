// The value types of configuration keys (SPEC §1): how a value is read, checked, stored
// in Config and shown again. Each key of core/config_keys.cpp names one of these with the
// Config member it fills; the type's parameters are the key's check.
#pragma once

#include <chrono>
#include <cstddef>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/config.h"

namespace automx2 {

// A value that does not fit its key. what() says what would fit ("a number of proxies,
// 0..32"); the caller adds file, key and value. (Values that name their own problem,
// db_uri and network lists, throw ConfigError instead.)
class InvalidValue : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

namespace value {

// yes/no, true/false, on/off, 1/0 (case-insensitive); shown as yes/no.
struct Boolean {
    bool Config::*field;
};

// A whole number in [min, max]; `noun` opens the message ("a number of proxies").
struct Count {
    unsigned Config::*field;
    unsigned min;
    unsigned max;
    std::string_view noun;
};

// A size in bytes in [min, max], plain digits.
struct Bytes {
    std::size_t Config::*field;
    std::size_t min;
    std::size_t max;
};

// Seconds between 0.1 and 60 in plain decimal notation (2, 0.5), kept as milliseconds.
struct Seconds {
    std::chrono::milliseconds Config::*field;
};

// Any text, e.g. a file name (empty: the feature is off).
struct Text {
    std::string Config::*field;
};

// A host name, stored lower-case in A-label form. Only the built-in default is empty.
struct HostName {
    std::string Config::*field;
};

// One of `words` (case-insensitive), stored as written in `words`.
struct Choice {
    std::string Config::*field;
    std::span<const std::string_view> words;
};

// DEBUG, INFO, WARNING, ERROR, CRITICAL (and the aliases WARN, FATAL).
struct LogLevel {
    log::Level Config::*field;
};

// Addresses and networks separated by commas, spaces or new lines; empty: none.
struct Networks {
    std::vector<Network> Config::*field;
};

// db_uri: fills Config::db_uri and the parsed Config::db. Its value may hold a password:
// never echoed in messages, shown masked.
struct DatabaseUrl {};

}  // namespace value

using ValueType = std::variant<value::Boolean, value::Count, value::Bytes, value::Seconds,
                               value::Text, value::HostName, value::Choice, value::LogLevel,
                               value::Networks, value::DatabaseUrl>;

// Reads `text` (already interpolated) into the member `type` names. Throws InvalidValue,
// or ConfigError for a db_uri or network list (naming the bad part).
void set_value(const ValueType& type, Config& config, const std::string& text);

// The member's value as the configuration file would write it (db_uri: the URL with the
// password masked). For a freshly set value, setting the shown text gives the same value.
std::string show_value(const ValueType& type, const Config& config);

// False for values that may hold a secret and so never appear in messages.
bool echoes_value(const ValueType& type);

}  // namespace automx2
