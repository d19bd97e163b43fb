// automx2's configuration syntax (Python configparser, SPEC §1) over inih: the sections
// [automx2] and [DEFAULT], "key = value" and "key: value", comments, indented continuation
// lines, "%%" and "%(key)s". Knows no key names: core/config_keys.h does.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/text.h"

namespace automx2 {

struct IniEntry {
    std::string raw_key;  // as written, for messages
    std::string value;    // not yet interpolated
};

// By normalised key (normalise_key).
using IniSection = std::map<std::string, IniEntry>;

struct IniFile {
    bool has_section = false;                   // [automx2] is present
    std::vector<std::string> ignored_sections;  // other than [automx2] and [DEFAULT], once each
    IniSection entries;                         // [automx2]
    IniSection defaults;                        // [DEFAULT], configparser's fallback section
};

// Throws ConfigError "SOURCE: …" naming the line for a syntax error, a key before any
// section, a key set twice, a NUL byte or a line too long for inih.
IniFile read_ini(const std::string& text, const std::string& source);

// configparser lower-cases option names; automx2's documentation writes some keys with a
// space instead of the underscore ("db uri"), so white space runs become one underscore.
std::string normalise_key(std::string_view raw);

// configparser's BasicInterpolation: "%%" is a percent sign, "%(key)s" the value of
// another key of `vars`. Throws InvalidValue for a lone '%', an unknown key or a loop.
std::string interpolate(const std::string& value, const IniSection& vars);

using text::printable;  // for messages

}  // namespace automx2
