// The configuration keys of [automx2] (SPEC §1), in one table: parsing, the effective
// configuration that --check-config shows, the sample configuration, the man page's key
// list and the README's table all come from it (core/config_docs.h renders the documents;
// a ctest fails when the checked-in copies differ).
//
// A new key is one entry in core/config_keys.cpp plus its Config member.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "core/config_value.h"

namespace automx2 {

struct ConfigKey {
    // As written in the file after normalising: lower case, '_' for spaces.
    std::string_view name;
    // How the value is read, checked and stored (core/config_value.h).
    ValueType type;
    // The built-in default as the file would write it (Config's member initialiser holds
    // the same value; a unit test compares them). Empty: the feature is off.
    std::string_view default_text;
    // One sentence for the man page and the README: what the key does.
    std::string_view help;
    // The comment above the key in the sample configuration: paragraphs separated by
    // '\n', each wrapped by the renderer; a line starting with a space is kept as written.
    // The renderer adds "# " and a "Default:" line.
    std::string_view sample;
    // The sample's value where it is not the default; commented out when the default
    // is empty (the sample then shows the feature off).
    std::string_view example = {};
    // The sample's heading above a run of keys; a change of group starts a new heading.
    std::string_view group = {};
};

// Every key, in the order of the sample configuration.
std::span<const ConfigKey> config_keys();

// nullptr for a name that is no key (`name` normalised as ConfigKey::name).
const ConfigKey* find_config_key(std::string_view name);

// "loglevel, db_echo, …" for the unknown-key message.
std::string config_key_names();

// One key's value as the service uses it, for --check-config.
struct EffectiveValue {
    std::string_view key;
    std::string value;  // as show_value() writes it: db_uri with its password masked
    bool from_file;     // set in the file ([automx2] or [DEFAULT]); else the default
};

// Every key of the table, in table order.
std::vector<EffectiveValue> effective_config(const Config& config);

}  // namespace automx2
