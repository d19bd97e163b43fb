#include "core/config.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "core/config_ini.h"
#include "core/config_keys.h"
#include "core/errors.h"

namespace automx2 {

namespace {

constexpr std::size_t max_config_bytes = std::size_t{1024} * 1024;

std::string strip_prefix(std::string message, std::string_view prefix) {
    if (message.compare(0, prefix.size(), prefix) == 0) {
        message.erase(0, prefix.size());
    }
    return message;
}

// Applies one key; every failure becomes "FILE: key 'K': invalid value 'V' (expected …)".
// A value that may hold a password (db_uri) is never echoed.
void apply_entry(Config& config, const std::string& source, const ConfigKey& key,
                 const IniEntry& entry, const IniSection& vars) {
    const std::string where = source + ": key '" + printable(entry.raw_key) + "': ";
    const std::string shown =
        echoes_value(key.type) ? " '" + printable(entry.value) + "'" : std::string();
    try {
        set_value(key.type, config, interpolate(entry.value, vars));
    } catch (const InvalidValue& e) {
        throw ConfigError(where + "invalid value" + shown + " (expected " + e.what() + ")");
    } catch (const ConfigError& e) {
        // From parse_db_uri or parse_network_list, which name the problem themselves.
        throw ConfigError(where + "invalid value" + shown + ": " +
                          strip_prefix(e.what(), "db_uri: "));
    }
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

Config default_config() {
    Config config;
    config.db = parse_db_uri(config.db_uri);
    return config;
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
    const IniFile ini = read_ini(text, source);
    for (const auto& name : ini.ignored_sections) {
        log::warning(source + ": section [" + printable(name) +
                     "] ignored; only [automx2] is read");
    }
    if (!ini.has_section) {
        log::warning(source + ": no [automx2] section; using the built-in defaults");
    }

    // Keys of [automx2] must be known: a misspelt db_uri would otherwise fall back to the
    // in-memory database. [DEFAULT] may hold keys meant for other sections.
    for (const auto& [name, entry] : ini.entries) {
        if (find_config_key(name) == nullptr) {
            throw ConfigError(source + ": key '" + printable(entry.raw_key) +
                              "': unknown key in [automx2] (known: " + config_key_names() + ")");
        }
    }
    IniSection vars = ini.defaults;
    for (const auto& [name, entry] : ini.entries) {
        vars[name] = entry;
    }
    Config config = default_config();
    config.source = source;
    // In the order of the names, so that the first of several bad values is always the same.
    for (const auto& [name, entry] : vars) {
        const ConfigKey* key = find_config_key(name);
        if (key == nullptr) {
            log::warning(source + ": key '" + printable(entry.raw_key) +
                         "' in [DEFAULT] ignored (unknown to automx2)");
            continue;
        }
        apply_entry(config, source, *key, entry, vars);
        config.keys_from_file.emplace_back(key->name);
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
