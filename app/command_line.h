// The command line of automx2-fcgi, read by one parser: the global options (a table in
// command_line.cpp) and the commands (app/command_table.cpp), each command with the
// options it declares.
//
//   automx2-fcgi [--config FILE] [--threads N] [--socket PATH|HOST:PORT]   the service
//   automx2-fcgi --check-config [--config FILE]       the service's start-up, reported
//   automx2-fcgi [--config FILE] COMMAND [WORDS…] [COMMAND OPTIONS]
//
// Options may stand before or after the command's words; `--name VALUE` and
// `--name=VALUE` are the same. Any argument starting with "--" is an option; others are
// words (an address may start with '-').
#pragma once

#include <iosfwd>
#include <map>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace automx2 {

struct CommandLine;

// An option a command declares (e.g. lookup's --protocol).
struct CommandOption {
    std::string_view name;        // "--protocol"
    std::string_view value_name;  // empty: a flag without a value
};

// One entry of the command table: everything --help says about it and what runs it.
struct Command {
    std::string_view name;   // the words that select it: "dns", or "domain list"
    std::string_view usage;  // the synopsis after "automx2-fcgi "
    std::string_view help;   // what it does, lines of at most 72 characters
    std::span<const CommandOption> options;
    // Output on `out`, problems on `err`; returns the exit status. May throw UsageError.
    int (*run)(const CommandLine& line, std::ostream& out, std::ostream& err);
};

struct CommandLine {
    std::string config_file;  // --config FILE; empty: the SPEC §1 search order
    unsigned threads = 16;    // --threads N: worker threads, each serving one connection
    std::string socket;       // --socket PATH | HOST:PORT; empty: the inherited socket
    bool show_help = false;
    bool show_version = false;
    bool check_config = false;  // --check-config: report on config and database, exit

    const Command* command = nullptr;  // null: the service (or --check-config)
    std::vector<std::string> words;    // the words after the command's name
    // The command's own options as given (the last one given wins); "" for a flag.
    std::map<std::string, std::string, std::less<>> options;

    std::optional<std::string> option(std::string_view name) const;
};

// A command line that cannot be run: exit status 2, the message and the help for the
// part it concerns (the commands, or the service's options) on stderr.
class UsageError : public std::invalid_argument {
  public:
    UsageError(const std::string& message, bool about_command)
        : std::invalid_argument(message), about_command_(about_command) {}
    bool about_command() const { return about_command_; }

  private:
    bool about_command_;
};

// Throws UsageError for an unknown option or command, a missing or bad value, an
// option given to a command (or the service) it is not for.
CommandLine parse_command_line(int argc, const char* const* argv,
                               std::span<const Command> commands);

// --help is service_help() followed by commands_help() of the command table.
std::string service_help();
std::string commands_help(std::span<const Command> commands);

}  // namespace automx2
