#include "app/command_line.h"

#include <algorithm>
#include <charconv>

namespace automx2 {
namespace {

struct GlobalOption {
    std::string_view name;
    std::string_view alias;  // another spelling ("-h"), or empty
    bool takes_value;
    // Only the service (and --check-config, which runs its start-up) reads it: given with
    // a command, it is refused rather than ignored.
    bool service_only;
    void (*apply)(CommandLine& line, std::string_view value);
    std::string_view help;  // its lines in --help, as printed
};

void set_threads(CommandLine& line, std::string_view value) {
    unsigned threads = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), threads);
    if (ec != std::errc{} || end != value.data() + value.size() || threads < 1 || threads > 256) {
        throw std::invalid_argument("--threads needs a number from 1 to 256, not '" +
                                    std::string(value) + "'");
    }
    line.threads = threads;
}

// In the order --help lists them.
const GlobalOption kGlobalOptions[] = {
    {"--config", "", true, false,
     [](CommandLine& line, std::string_view value) { line.config_file = value; },
     "  --config FILE        configuration file (default: $AUTOMX2_CONF,\n"
     "                       ~/.automx2.conf, /etc/automx2/automx2.conf,\n"
     "                       /etc/automx2.conf; none: built-in defaults)\n"},
    {"--socket", "", true, true,
     [](CommandLine& line, std::string_view value) { line.socket = value; },
     "  --socket PATH        listen on a unix socket\n"
     "  --socket HOST:PORT   listen on TCP (e.g. 127.0.0.1:9000)\n"},
    {"--threads", "", true, true, set_threads,
     "  --threads N          worker threads (1-256, default 16); each serves one\n"
     "                       FastCGI connection at a time: keep N above the number of\n"
     "                       connections the web server keeps open (1 under mod_fcgid)\n"},
    {"--check-config", "", false, true,
     [](CommandLine& line, std::string_view) { line.check_config = true; },
     "  --check-config       load the configuration, open the database (creating\n"
     "                       missing tables as the service would), print the schema\n"
     "                       state and row counts, and exit: 0 usable, 1 database\n"
     "                       error, 2 configuration error\n"},
    {"--version", "", false, false,
     [](CommandLine& line, std::string_view) { line.show_version = true; },
     "  --version            print the version and exit\n"},
    {"--help", "-h", false, false,
     [](CommandLine& line, std::string_view) { line.show_help = true; },
     "  --help               print this help and exit\n"},
};

// "dns" → {"dns"}, "domain list" → {"domain", "list"}.
std::vector<std::string_view> name_words(std::string_view name) {
    std::vector<std::string_view> out;
    while (!name.empty()) {
        const auto space = name.find(' ');
        out.push_back(name.substr(0, space));
        name = space == std::string_view::npos ? std::string_view{} : name.substr(space + 1);
    }
    return out;
}

bool starts_a_command(std::string_view word, std::span<const Command> commands) {
    return std::any_of(commands.begin(), commands.end(),
                       [&](const Command& c) { return name_words(c.name).front() == word; });
}

// The command whose name is the longest prefix of `words`.
const Command* find_command(const std::vector<std::string>& words,
                            std::span<const Command> commands) {
    const Command* found = nullptr;
    std::size_t found_size = 0;
    for (const Command& command : commands) {
        const auto name = name_words(command.name);
        if (name.size() > words.size() || name.size() <= found_size)
            continue;
        if (std::equal(name.begin(), name.end(), words.begin())) {
            found = &command;
            found_size = name.size();
        }
    }
    return found;
}

// The commands that declare `option`, for the message refusing it elsewhere.
std::string commands_with(std::string_view option, std::span<const Command> commands) {
    std::string out;
    for (const Command& command : commands) {
        for (const CommandOption& o : command.options) {
            if (o.name == option)
                out += (out.empty() ? "" : ", ") + std::string(command.name);
        }
    }
    return out;
}

// The help that goes with the message is the commands' when the line names one.
[[noreturn]] void fail(const std::string& message, const std::vector<std::string>& words,
                       std::span<const Command> commands) {
    throw UsageError(message, !words.empty() && starts_a_command(words.front(), commands));
}

const CommandOption* find_command_option(std::string_view name, std::span<const Command> commands) {
    for (const Command& command : commands) {
        for (const CommandOption& o : command.options) {
            if (o.name == name)
                return &o;
        }
    }
    return nullptr;
}

}  // namespace

std::optional<std::string> CommandLine::option(std::string_view name) const {
    if (auto it = options.find(name); it != options.end())
        return it->second;
    return std::nullopt;
}

CommandLine parse_command_line(int argc, const char* const* argv,
                               std::span<const Command> commands) {
    CommandLine line;
    std::vector<std::string> words;
    std::vector<std::string_view> service_options_given;
    try {
        for (int i = 1; i < argc; ++i) {
            const std::string_view arg = argv[i];
            if (!arg.starts_with("--") && arg != "-h") {
                words.emplace_back(arg);
                continue;
            }
            const auto eq = arg.find('=');
            const std::string_view name = arg.substr(0, eq);
            const bool inline_value = eq != std::string_view::npos;
            auto value = [&]() -> std::string_view {
                if (inline_value)
                    return arg.substr(eq + 1);
                if (i + 1 >= argc)
                    throw std::invalid_argument(std::string(name) + " needs a value");
                return argv[++i];
            };
            const auto global = std::find_if(
                std::begin(kGlobalOptions), std::end(kGlobalOptions),
                [&](const GlobalOption& o) { return o.name == name || o.alias == name; });
            if (global != std::end(kGlobalOptions) && (global->takes_value || !inline_value)) {
                global->apply(line, global->takes_value ? value() : std::string_view{});
                if (global->service_only)
                    service_options_given.push_back(global->name);
                continue;
            }
            const CommandOption* own = find_command_option(name, commands);
            if (own == nullptr || (own->value_name.empty() && inline_value)) {
                fail("unknown option '" + std::string(arg) + "'", words, commands);
            }
            line.options[std::string(name)] = own->value_name.empty() ? "" : std::string(value());
        }
    } catch (const UsageError&) {
        throw;
    } catch (const std::invalid_argument& e) {
        fail(e.what(), words, commands);
    }

    if (!words.empty()) {
        line.command = find_command(words, commands);
        if (line.command == nullptr) {
            if (!starts_a_command(words.front(), commands))
                fail("unknown option '" + words.front() + "'", words, commands);
            std::string choices;
            for (const Command& c : commands) {
                const auto name = name_words(c.name);
                if (name.size() > 1 && name.front() == words.front())
                    choices += (choices.empty() ? "" : ", ") + std::string(name[1]);
            }
            fail(words.front() + " needs one of: " + choices, words, commands);
        }
        line.words.assign(
            words.begin() + static_cast<std::ptrdiff_t>(name_words(line.command->name).size()),
            words.end());
        if (!service_options_given.empty()) {
            fail(std::string(service_options_given.front()) + " is not for the " +
                     std::string(line.command->name) + " command",
                 words, commands);
        }
    }
    for (const auto& given : line.options) {
        const std::string& name = given.first;
        const bool declared =
            line.command != nullptr &&
            std::any_of(line.command->options.begin(), line.command->options.end(),
                        [&](const CommandOption& o) { return o.name == name; });
        if (!declared)
            fail(name + " is for " + commands_with(name, commands), words, commands);
    }
    return line;
}

std::string service_help() {
    std::string text =
        "Usage: automx2-fcgi [OPTIONS]\n"
        "       automx2-fcgi --check-config [--config FILE]\n"
        "       automx2-fcgi [--config FILE] COMMAND ...       (commands: see --help)\n"
        "Mail client auto-configuration (Mozilla Autoconfig, Microsoft Autodiscover,\n"
        "Apple Mobileconfig) as a FastCGI application.\n\n"
        "Listening socket, first match: --socket; the socket systemd passes\n"
        "(LISTEN_FDS/LISTEN_PID, socket activation); else the socket on fd 0 (as\n"
        "started by spawn-fcgi or Apache mod_fcgid).\n\n"
        "Options:\n";
    for (const GlobalOption& option : kGlobalOptions)
        text += option.help;
    text +=
        "\nEnvironment: AUTOMX2_CONF, PERMIT_CLEARTEXT_PASSWORDS, NOTIFY_SOCKET,\n"
        "LISTEN_FDS, LISTEN_PID, LDAP_* (sample data). See automx2-fcgi(8).\n";
    return text;
}

std::string commands_help(std::span<const Command> commands) {
    std::string text = "Commands:\n";
    for (const Command& command : commands) {
        text += "  automx2-fcgi " + std::string(command.usage) + "\n";
        std::string_view help = command.help;
        while (!help.empty()) {
            const auto end = help.find('\n');
            text += "      " + std::string(help.substr(0, end)) + "\n";
            help = end == std::string_view::npos ? std::string_view{} : help.substr(end + 1);
        }
    }
    return text;
}

}  // namespace automx2
