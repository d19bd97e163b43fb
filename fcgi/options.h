// The command line of automx2-fcgi.
#pragma once

#include <optional>
#include <string>

namespace automx2 {

struct Options {
    std::string config_file;  // --config FILE; empty: the SPEC §1 search order
    unsigned threads = 16;    // --threads N: worker threads, each serving one connection
    std::string socket;       // --socket PATH | HOST:PORT; empty: the socket on fd 0
    bool show_help = false;
    bool show_version = false;
    bool check_config = false;  // --check-config: report on config and database, exit
};

// Throws std::invalid_argument with a message for the user.
Options parse_options(int argc, char** argv);

std::string usage();

}  // namespace automx2
