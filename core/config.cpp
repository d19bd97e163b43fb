#include "core/config.h"

#include <ini.h>
#include <sys/stat.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <set>
#include <system_error>

#include "core/address.h"
#include "core/errors.h"

namespace automx2 {

namespace {

constexpr std::size_t max_config_bytes = 1024 * 1024;
constexpr std::string_view section_name = "automx2";
// configparser's MAX_INTERPOLATION_DEPTH.
constexpr int max_interpolation_depth = 10;

constexpr std::string_view known_keys[] = {"loglevel",
                                           "db_echo",
                                           "db_uri",
                                           "proxy_count",
                                           "initdb_allowed_from",
                                           "max_body_size",
                                           "db_timeout",
                                           "ldap_timeout",
                                           "ldap_network_timeout",
                                           "ldap_ca_file",
                                           "ldap_tls_verify",
                                           "sign_certificate",
                                           "sign_key",
                                           "sign_chain",
                                           "service_host"};

std::string join_known_keys() {
    std::string out;
    for (auto key : known_keys) {
        if (!out.empty()) {
            out += ", ";
        }
        out += key;
    }
    return out;
}

bool is_known_key(std::string_view key) {
    for (auto known : known_keys) {
        if (known == key) {
            return true;
        }
    }
    return false;
}

char ascii_lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// configparser lower-cases option names; automx2's documentation writes some keys with a
// space instead of the underscore ("db uri"), so white space runs become one underscore.
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
        key += ascii_lower(c);
    }
    return key;
}

// A value as it may appear in a message: control characters replaced, length bounded.
std::string printable(std::string_view text) {
    std::string out;
    for (char c : text.substr(0, 100)) {
        const auto u = static_cast<unsigned char>(c);
        out += (u < 0x20 || u == 0x7f) ? '?' : c;
    }
    if (text.size() > 100) {
        out += "...";
    }
    return out;
}

struct Entry {
    std::string raw_key;  // as written, for messages
    std::string value;
};

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
    std::map<std::string, Entry> entries;       // [automx2], by normalised key
    std::map<std::string, Entry> defaults;      // [DEFAULT], configparser's fallback section
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
    std::map<std::string, Entry>* target = nullptr;
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
    (*target)[key] = Entry{name, value};
    return 1;
}

class ValueError {
  public:
    explicit ValueError(std::string expected) : expected_(std::move(expected)) {}
    const std::string& expected() const { return expected_; }

  private:
    std::string expected_;
};

// configparser's BasicInterpolation, which automx2 uses: "%%" is a percent sign and
// "%(key)s" the value of another key of the section. A percent-encoded password in an
// automx2 db_uri is therefore written with "%%".
std::string interpolate(const std::string& value, const std::map<std::string, Entry>& vars,
                        int depth) {
    if (depth > max_interpolation_depth) {
        throw ValueError("%(key)s references nested too deeply, or a reference loop");
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
                    throw ValueError("%(" + printable(ref) + ")s names no key of the section");
                }
                out += interpolate(it->second.value, vars, depth + 1);
                i = close + 1;
                continue;
            }
        }
        throw ValueError("a literal '%' written as '%%', as in automx2's configparser syntax");
    }
    return out;
}

unsigned long long parse_unsigned(const std::string& text, unsigned long long low,
                                  unsigned long long high, const std::string& expected) {
    unsigned long long value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || value < low ||
        value > high) {
        throw ValueError(expected);
    }
    return value;
}

std::chrono::milliseconds parse_seconds(const std::string& text) {
    const std::string expected = "seconds between 0.1 and 60, e.g. 2 or 0.5";
    // Plain decimal notation only: no sign, exponent, inf or nan.
    if (text.empty() || text.size() > 16 ||
        text.find_first_not_of("0123456789.") != std::string::npos ||
        text.find('.') != text.rfind('.') || text.front() == '.' || text.back() == '.') {
        throw ValueError(expected);
    }
    double seconds = 0;
    const auto [end, ec] =
        std::from_chars(text.data(), text.data() + text.size(), seconds, std::chars_format::fixed);
    if (ec != std::errc{} || end != text.data() + text.size() || seconds < 0.1 || seconds > 60) {
        throw ValueError(expected);
    }
    return std::chrono::milliseconds(std::llround(seconds * 1000));
}

void apply(Config& config, const std::string& key, const std::string& value) {
    if (key == "loglevel") {
        if (!log::parse_level(value, config.log_level)) {
            throw ValueError("DEBUG, INFO, WARNING, ERROR, CRITICAL or FATAL");
        }
    } else if (key == "db_echo") {
        const auto flag = parse_bool(value);
        if (!flag) {
            throw ValueError("yes/no, true/false, on/off or 1/0");
        }
        config.db_echo = *flag;
    } else if (key == "db_uri") {
        config.db = parse_db_uri(value);
        config.db_uri = value;
    } else if (key == "proxy_count") {
        config.proxy_count =
            static_cast<unsigned>(parse_unsigned(value, 0, 32, "a number of proxies, 0..32"));
    } else if (key == "initdb_allowed_from") {
        config.initdb_allowed_from = parse_network_list(value);
    } else if (key == "max_body_size") {
        config.max_body_size = static_cast<std::size_t>(
            parse_unsigned(value, 1, 16 * 1024 * 1024, "a size in bytes, 1..16777216"));
    } else if (key == "db_timeout") {
        config.db_timeout = parse_seconds(value);
    } else if (key == "ldap_timeout") {
        config.ldap_timeout = parse_seconds(value);
    } else if (key == "ldap_network_timeout") {
        config.ldap_network_timeout = parse_seconds(value);
    } else if (key == "ldap_tls_verify") {
        const auto flag = parse_bool(value);
        if (!flag) {
            throw ValueError("yes/no, true/false, on/off or 1/0");
        }
        config.ldap_tls_verify = *flag;
    } else if (key == "ldap_ca_file") {
        config.ldap_ca_file = value;
    } else if (key == "sign_certificate") {
        config.sign_certificate = value;
    } else if (key == "sign_key") {
        config.sign_key = value;
    } else if (key == "sign_chain") {
        config.sign_chain = value;
    } else if (key == "service_host") {
        if (!normalise_domain(value)) {
            throw ValueError("a host name, e.g. autoconfig.example.com");
        }
        config.service_host = *normalise_domain(value);
    }
}

std::string strip_prefix(std::string message, std::string_view prefix) {
    if (message.compare(0, prefix.size(), prefix) == 0) {
        message.erase(0, prefix.size());
    }
    return message;
}

// Applies one key; every failure becomes "FILE: key 'K': invalid value 'V' (expected …)".
// The value of db_uri is never echoed: it may hold a password.
void apply_entry(Config& config, const std::string& source, const std::string& key,
                 const Entry& entry, const std::map<std::string, Entry>& vars) {
    const std::string where = source + ": key '" + printable(entry.raw_key) + "': ";
    const bool secret = key == "db_uri";
    const std::string shown = secret ? std::string() : " '" + printable(entry.value) + "'";
    try {
        apply(config, key, interpolate(entry.value, vars, 0));
    } catch (const ValueError& e) {
        throw ConfigError(where + "invalid value" + shown + " (expected " + e.expected() + ")");
    } catch (const ConfigError& e) {
        // From parse_db_uri or parse_network_list, which name the problem themselves.
        throw ConfigError(where + "invalid value" + shown + ": " +
                          strip_prefix(e.what(), "db_uri: "));
    }
}

Config default_config() {
    Config config;
    config.db = parse_db_uri(config.db_uri);
    return config;
}

struct FileCloser {
    void operator()(std::FILE* file) const { std::fclose(file); }
};

std::string read_file(const std::string& path) {
    std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
    if (!file) {
        throw ConfigError(path + ": cannot open: " + std::strerror(errno));
    }
    std::string text;
    char buf[16384];
    while (true) {
        const std::size_t n = std::fread(buf, 1, sizeof buf, file.get());
        text.append(buf, n);
        if (text.size() > max_config_bytes) {
            throw ConfigError(path + ": larger than " + std::to_string(max_config_bytes) +
                              " bytes; not a configuration file?");
        }
        if (n < sizeof buf) {
            if (std::ferror(file.get())) {
                throw ConfigError(path + ": cannot read: " + std::strerror(errno));
            }
            break;
        }
    }
    return text;
}

// Python's Path.exists(): missing means ENOENT or ENOTDIR; any other failure (permissions)
// counts as present so that reading it reports the real problem.
bool path_exists(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) {
        return true;
    }
    return errno != ENOENT && errno != ENOTDIR;
}

std::string getenv_string(const char* name) {
    const char* value = std::getenv(name);
    return value == nullptr ? std::string() : std::string(value);
}

void apply_environment(Config& config) {
    const std::string permit = getenv_string("PERMIT_CLEARTEXT_PASSWORDS");
    config.permit_cleartext_passwords = permit == "I_understand_the_risks";
    if (!permit.empty() && !config.permit_cleartext_passwords) {
        log::warning(
            "PERMIT_CLEARTEXT_PASSWORDS is set but not to I_understand_the_risks; "
            "passwords stay out of Mobileconfig profiles");
    }
}

}  // namespace

std::optional<bool> parse_bool(std::string_view text) {
    if (text.size() > 5) {
        return std::nullopt;
    }
    std::string lower;
    for (char c : text) {
        lower += ascii_lower(c);
    }
    if (lower == "yes" || lower == "true" || lower == "on" || lower == "1") {
        return true;
    }
    if (lower == "no" || lower == "false" || lower == "off" || lower == "0") {
        return false;
    }
    return std::nullopt;
}

std::optional<std::string> find_config_file() {
    std::vector<std::string> candidates;
    const std::string env = getenv_string("AUTOMX2_CONF");
    if (!env.empty()) {
        if (env.front() != '/') {
            throw ConfigError("AUTOMX2_CONF: '" + printable(env) +
                              "' is not an absolute path (expected e.g. "
                              "/etc/automx2/automx2.conf)");
        }
        if (path_exists(env)) {
            return env;
        }
        log::warning("AUTOMX2_CONF names " + env + ", which does not exist; searching on");
    }
    const std::string home = getenv_string("HOME");
    if (!home.empty()) {
        candidates.push_back(home + (home.back() == '/' ? "" : "/") + ".automx2.conf");
    }
    candidates.emplace_back("/etc/automx2/automx2.conf");
    candidates.emplace_back("/etc/automx2.conf");
    for (const auto& path : candidates) {
        if (path_exists(path)) {
            return path;
        }
    }
    return std::nullopt;
}

Config parse_config(const std::string& text, const std::string& source) {
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

    for (const auto& name : st.ignored_sections) {
        log::warning(source + ": section [" + printable(name) +
                     "] ignored; only [automx2] is read");
    }
    if (!st.has_section) {
        log::warning(source + ": no [automx2] section; using the built-in defaults");
    }

    // Keys of [automx2] must be known: a misspelt db_uri would otherwise fall back to the
    // in-memory database. [DEFAULT] may hold keys meant for other sections.
    for (const auto& [key, entry] : st.entries) {
        if (!is_known_key(key)) {
            throw ConfigError(source + ": key '" + printable(entry.raw_key) +
                              "': unknown key in [automx2] (known: " + join_known_keys() + ")");
        }
    }
    std::map<std::string, Entry> vars = st.defaults;
    for (const auto& [key, entry] : st.entries) {
        vars[key] = entry;
    }
    Config config = default_config();
    config.source = source;
    for (const auto& [key, entry] : vars) {
        if (!is_known_key(key)) {
            log::warning(source + ": key '" + printable(entry.raw_key) +
                         "' in [DEFAULT] ignored (unknown to automx2)");
            continue;
        }
        apply_entry(config, source, key, entry, vars);
    }
    return config;
}

Config load_config(const std::string& path) {
    std::optional<std::string> file = path.empty() ? find_config_file() : std::optional(path);
    Config config;
    if (!file) {
        log::warning(
            "no configuration file found ($AUTOMX2_CONF, ~/.automx2.conf, "
            "/etc/automx2/automx2.conf, /etc/automx2.conf); using the built-in defaults");
        config = default_config();
    } else {
        config = parse_config(read_file(*file), *file);
    }
    if (config.db.in_memory) {
        log::warning("db_uri is " + config.db.display +
                     ": an in-memory database, lost at exit (for testing only)");
    }
    apply_environment(config);
    return config;
}

}  // namespace automx2
