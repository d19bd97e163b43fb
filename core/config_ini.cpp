#include "core/config_ini.h"

#include <ini.h>

#include <cstring>

#include "core/config_value.h"
#include "core/errors.h"
#include "core/text.h"

namespace automx2 {

namespace {

constexpr std::string_view section_name = "automx2";
// configparser's MAX_INTERPOLATION_DEPTH.
constexpr int max_interpolation_depth = 10;

// Shared by the line reader and the entry handler that inih calls alternately: inih reads
// one line, then hands that line's entry to the handler before reading the next.
struct ParseState {
    std::string_view text;
    std::size_t pos = 0;
    unsigned line_no = 0;
    std::string_view current_line;
    unsigned overlong_line = 0;
    std::size_t max_line = 0;

    bool has_section = false;
    std::vector<std::string> ignored_sections;  // in order of appearance, each once
    IniSection entries;
    IniSection defaults;
    std::string last_section;
    std::string last_key;

    std::string error;  // the first problem found by the handler
    unsigned error_line = 0;
};

void note_section_header(ParseState& st, std::string_view line) {
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) {
        line.remove_prefix(1);
    }
    if (line.empty() || line.front() != '[') {
        return;
    }
    const auto close = line.find(']');
    if (close == std::string_view::npos) {
        return;
    }
    const std::string name(line.substr(1, close - 1));
    if (name == section_name) {
        st.has_section = true;
    } else if (name != "DEFAULT") {
        for (const auto& seen : st.ignored_sections) {
            if (seen == name) {
                return;
            }
        }
        st.ignored_sections.push_back(name);
    }
}

// An fgets() over the text. inih silently splits a line longer than its buffer and parses
// the tail as a line of its own (which may look like another key), so such a line stops
// the parse and is reported instead.
char* read_line(char* str, int num, void* stream) {
    auto& st = *static_cast<ParseState*>(stream);
    if (st.pos >= st.text.size() || num <= 1) {
        return nullptr;
    }
    const auto newline = st.text.find('\n', st.pos);
    const std::size_t end = newline == std::string_view::npos ? st.text.size() : newline + 1;
    const std::size_t length = end - st.pos;
    ++st.line_no;
    if (length > static_cast<std::size_t>(num) - 1) {
        st.overlong_line = st.line_no;
        st.max_line = static_cast<std::size_t>(num) - 2;
        return nullptr;
    }
    std::memcpy(str, st.text.data() + st.pos, length);
    str[length] = '\0';
    st.current_line = st.text.substr(st.pos, length);
    st.pos = end;
    note_section_header(st, st.current_line);
    return str;
}

int on_entry(void* user, const char* section, const char* name, const char* value) {
    auto& st = *static_cast<ParseState*>(user);
    if (name == nullptr || value == nullptr) {
        return 1;  // a section header (INI_CALL_HANDLER_ON_NEW_SECTION builds)
    }
    auto fail = [&](std::string message) {
        if (st.error.empty()) {
            st.error = std::move(message);
            st.error_line = st.line_no;
        }
        return 0;
    };
    const std::string sect(section);
    const std::string key = normalise_key(name);
    // inih reports an indented line after an entry as that entry again (a continuation);
    // configparser joins such lines with a newline.
    const bool continuation = !st.current_line.empty() &&
                              (st.current_line.front() == ' ' || st.current_line.front() == '\t') &&
                              sect == st.last_section && key == st.last_key;
    st.last_section = sect;
    st.last_key = key;
    if (sect.empty()) {
        return fail("line " + std::to_string(st.line_no) + ": key '" + printable(name) +
                    "' before any section header (expected [automx2] first)");
    }
    IniSection* target = nullptr;
    if (sect == section_name) {
        target = &st.entries;
    } else if (sect == "DEFAULT") {
        target = &st.defaults;
    } else {
        return 1;  // other sections belong to other programs; warned about once
    }
    auto found = target->find(key);
    if (found != target->end()) {
        if (!continuation) {
            return fail("key '" + printable(name) + "' (line " + std::to_string(st.line_no) +
                        ") is set twice in [" + sect + "]");
        }
        found->second.value += '\n';
        found->second.value += value;
        return 1;
    }
    (*target)[key] = IniEntry{name, value};
    return 1;
}

// automx2 reads its file with configparser's BasicInterpolation, so a percent-encoded
// password in an automx2 db_uri is written with "%%".
std::string interpolate_at(const std::string& value, const IniSection& vars, int depth) {
    if (depth > max_interpolation_depth) {
        throw InvalidValue("%(key)s references nested too deeply, or a reference loop");
    }
    std::string out;
    for (std::size_t i = 0; i < value.size(); ++i) {
        if (value[i] != '%') {
            out += value[i];
            continue;
        }
        if (i + 1 < value.size() && value[i + 1] == '%') {
            out += '%';
            ++i;
            continue;
        }
        if (i + 1 < value.size() && value[i + 1] == '(') {
            const auto close = value.find(")s", i + 2);
            if (close != std::string::npos) {
                const std::string ref = normalise_key(value.substr(i + 2, close - i - 2));
                const auto it = vars.find(ref);
                if (it == vars.end()) {
                    throw InvalidValue("%(" + printable(ref) + ")s names no key of the section");
                }
                out += interpolate_at(it->second.value, vars, depth + 1);
                i = close + 1;
                continue;
            }
        }
        throw InvalidValue("a literal '%' written as '%%', as in automx2's configparser syntax");
    }
    return out;
}

}  // namespace

std::string normalise_key(std::string_view raw) {
    std::string key;
    bool in_space = false;
    for (char c : raw) {
        if (c == ' ' || c == '\t') {
            in_space = true;
            continue;
        }
        if (in_space && !key.empty()) {
            key += '_';
        }
        in_space = false;
        key += text::ascii_lower(c);
    }
    return key;
}

std::string interpolate(const std::string& value, const IniSection& vars) {
    return interpolate_at(value, vars, 0);
}

IniFile read_ini(const std::string& text, const std::string& source) {
    if (text.find('\0') != std::string::npos) {
        throw ConfigError(source + ": contains a NUL byte; not a configuration file?");
    }
    ParseState st;
    st.text = text;
    const int rc = ini_parse_stream(read_line, &st, on_entry, &st);
    // A line too long for inih ends the parse, so every other problem found lies before it.
    if (rc > 0 && (st.error.empty() || static_cast<unsigned>(rc) < st.error_line)) {
        throw ConfigError(source + ": line " + std::to_string(rc) +
                          ": syntax error (expected [section], key = value or a comment)");
    }
    if (!st.error.empty()) {
        throw ConfigError(source + ": " + st.error);
    }
    if (st.overlong_line != 0) {
        throw ConfigError(source + ": line " + std::to_string(st.overlong_line) +
                          " is longer than " + std::to_string(st.max_line) +
                          " characters (the INI parser's limit)");
    }
    if (rc < 0) {
        throw ConfigError(source + ": cannot parse (INI parser error " + std::to_string(rc) + ")");
    }
    return IniFile{st.has_section, std::move(st.ignored_sections), std::move(st.entries),
                   std::move(st.defaults)};
}

}  // namespace automx2
