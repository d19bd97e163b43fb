// The one command-line parser: global options, commands, their options, and --help.
#include <catch2/catch.hpp>
#include <initializer_list>
#include <ostream>
#include <string>
#include <vector>

#include "app/command_line.h"
#include "app/command_table.h"

using namespace automx2;

namespace {

int no_op(const CommandLine&, std::ostream&, std::ostream&) {
    return 0;
}

constexpr CommandOption kFindOptions[] = {{"--protocol", "NAME"}, {"--json", ""}};
constexpr CommandOption kImportOptions[] = {{"--dry-run", ""}};

// A table shaped like the real one will be: one-word and two-word commands.
const Command kTable[] = {
    {"find", "find ADDRESS --protocol NAME [--json]", "finds", kFindOptions, no_op},
    {"domain list", "domain list", "lists", {}, no_op},
    {"domain show", "domain show NAME", "shows", {}, no_op},
    {"import", "import FILE [--dry-run]", "imports\nsecond line", kImportOptions, no_op},
};

CommandLine parse(std::initializer_list<const char*> args) {
    std::vector<const char*> argv{"automx2-fcgi"};
    argv.insert(argv.end(), args);
    return parse_command_line(static_cast<int>(argv.size()), argv.data(), kTable);
}

// The message of the UsageError, and whether it is about a command.
std::pair<std::string, bool> refusal(std::initializer_list<const char*> args) {
    try {
        parse(args);
    } catch (const UsageError& e) {
        return {e.what(), e.about_command()};
    }
    FAIL("accepted");
    return {};
}

}  // namespace

TEST_CASE("command line: the service's options", "[commands][command_line]") {
    CommandLine line = parse({});
    CHECK(line.command == nullptr);
    CHECK(line.threads == 16);
    CHECK(line.config_file.empty());

    line = parse({"--config", "a.conf", "--threads=4", "--socket", "127.0.0.1:9000"});
    CHECK(line.config_file == "a.conf");
    CHECK(line.threads == 4);
    CHECK(line.socket == "127.0.0.1:9000");
    CHECK(parse({"--config=b.conf", "--config", "c.conf"}).config_file == "c.conf");
    CHECK(parse({"-h"}).show_help);
    CHECK(parse({"--version"}).show_version);
    // --check-config runs the service's start-up: the service's options are accepted.
    line = parse({"--check-config", "--threads", "2", "--config", "x"});
    CHECK(line.check_config);
    CHECK(line.command == nullptr);

    CHECK(refusal({"--threads", "0"}).first == "--threads needs a number from 1 to 256, not '0'");
    CHECK(refusal({"--threads=257"}).first.find("not '257'") != std::string::npos);
    CHECK(refusal({"--threads", "4x"}).first.find("not '4x'") != std::string::npos);
    CHECK(refusal({"--config"}) == std::pair<std::string, bool>{"--config needs a value", false});
    CHECK(refusal({"--bogus"}) == std::pair<std::string, bool>{"unknown option '--bogus'", false});
    CHECK(refusal({"--help=yes"}).first == "unknown option '--help=yes'");
    CHECK(refusal({"serve"}) == std::pair<std::string, bool>{"unknown option 'serve'", false});
}

TEST_CASE("command line: commands, their words and options", "[commands][command_line]") {
    CommandLine line = parse(
        {"--config", "a.conf", "find", "-x@example.com", "--protocol", "autoconfig", "--json"});
    REQUIRE(line.command == &kTable[0]);
    CHECK(line.config_file == "a.conf");
    CHECK(line.words == std::vector<std::string>{"-x@example.com"});
    CHECK(line.option("--protocol") == "autoconfig");
    CHECK(line.option("--json") == "");
    CHECK_FALSE(line.option("--dry-run"));
    // Options may come first, --config after the command.
    line = parse({"--protocol=mobileconfig", "find", "a@b", "--config=z.conf"});
    CHECK(line.option("--protocol") == "mobileconfig");
    CHECK(line.config_file == "z.conf");

    line = parse({"domain", "show", "example.com"});
    CHECK(line.command == &kTable[2]);
    CHECK(line.words == std::vector<std::string>{"example.com"});
    CHECK(parse({"domain", "list"}).words.empty());
    CHECK(refusal({"domain"}) ==
          std::pair<std::string, bool>{"domain needs one of: list, show", true});
    CHECK(refusal({"domain", "drop"}).first == "domain needs one of: list, show");

    CHECK(refusal({"import", "f.json", "--protocol", "x"}) ==
          std::pair<std::string, bool>{"--protocol is for find", true});
    CHECK(refusal({"--protocol", "x"}).first == "--protocol is for find");
    CHECK(refusal({"import", "--dry-run=1"}).first == "unknown option '--dry-run=1'");
    CHECK(refusal({"find", "a@b", "--bogus"}) ==
          std::pair<std::string, bool>{"unknown option '--bogus'", true});
    CHECK(refusal({"find", "--protocol"}).first == "--protocol needs a value");
    // The service's own options are refused with a command, not ignored.
    CHECK(refusal({"find", "a@b", "--threads", "4"}).first ==
          "--threads is not for the find command");
    CHECK(refusal({"--check-config", "import"}).first ==
          "--check-config is not for the import command");
    // --help and --version stay global.
    CHECK(parse({"import", "--help"}).show_help);
}

TEST_CASE("command line: --help lists every option and command", "[commands][command_line]") {
    const std::string service = service_help();
    for (const char* option :
         {"--config FILE", "--socket PATH", "--socket HOST:PORT", "--threads N", "--check-config",
          "--version", "--help", "AUTOMX2_CONF", "automx2-fcgi(8)"}) {
        CHECK(service.find(option) != std::string::npos);
    }
    CHECK(commands_help(kTable) ==
          "Commands:\n"
          "  automx2-fcgi find ADDRESS --protocol NAME [--json]\n      finds\n"
          "  automx2-fcgi domain list\n      lists\n"
          "  automx2-fcgi domain show NAME\n      shows\n"
          "  automx2-fcgi import FILE [--dry-run]\n      imports\n      second line\n");

    // The real table: dns and lookup, lookup with its --protocol.
    const std::string real = commands_help(command_table());
    CHECK(real.find("automx2-fcgi [--config FILE] dns [DOMAIN...]") != std::string::npos);
    CHECK(real.find("automx2-fcgi [--config FILE] lookup ADDRESS --protocol "
                    "autoconfig|autodiscover|mobileconfig|pacc") != std::string::npos);
    const char* argv[] = {"automx2-fcgi", "lookup", "a@example.com", "--protocol", "autodiscover"};
    CommandLine line = parse_command_line(5, argv, command_table());
    REQUIRE(line.command != nullptr);
    CHECK(line.command->name == "lookup");
    CHECK(line.option("--protocol") == "autodiscover");
}
