// automx2-fcgi: reads the command line, then runs a command or the service.
#include <iostream>

#include "app/command_line.h"
#include "app/command_table.h"
#include "app/commands/check_config.h"
#include "app/service.h"

int main(int argc, char** argv) {
    using namespace automx2;
    constexpr int kExitError = 2;  // a bad command line, or a failure no command caught
    CommandLine line;
    try {
        line = parse_command_line(argc, argv, command_table());
    } catch (const UsageError& e) {
        std::cerr << "automx2-fcgi: " << e.what() << "\n\n"
                  << (e.about_command() ? commands_help(command_table()) : service_help());
        return kExitError;
    }
    if (line.show_help) {
        std::cout << service_help() << "\n" << commands_help(command_table());
        return 0;
    }
    if (line.show_version) {
        std::cout << "automx2-fcgi " << AUTOMX2_VERSION << "\n";
        return 0;
    }
    if (line.check_config) {
        return check_config(line, std::cout, std::cerr);
    }
    if (line.command == nullptr) {
        return run_service(line);
    }
    try {
        return line.command->run(line, std::cout, std::cerr);
    } catch (const UsageError& e) {
        std::cerr << "automx2-fcgi: " << e.what() << "\n\n" << commands_help(command_table());
    } catch (const std::exception& e) {
        std::cerr << "automx2-fcgi: " << e.what() << "\n";
    }
    return kExitError;
}
