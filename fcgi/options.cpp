#include "fcgi/options.h"

#include <charconv>
#include <stdexcept>
#include <string_view>

namespace automx2 {

std::string usage() {
    return "Usage: automx2-fcgi [OPTIONS]\n"
           "       automx2-fcgi --check-config [--config FILE]\n"
           "Mail client auto-configuration (Mozilla Autoconfig, Microsoft Autodiscover,\n"
           "Apple Mobileconfig) as a FastCGI application.\n\n"
           "Listening socket, first match: --socket; the socket systemd passes\n"
           "(LISTEN_FDS/LISTEN_PID, socket activation); else the socket on fd 0 (as\n"
           "started by spawn-fcgi or Apache mod_fcgid).\n\n"
           "Options:\n"
           "  --config FILE        configuration file (default: $AUTOMX2_CONF,\n"
           "                       ~/.automx2.conf, /etc/automx2/automx2.conf,\n"
           "                       /etc/automx2.conf; none: built-in defaults)\n"
           "  --socket PATH        listen on a unix socket\n"
           "  --socket HOST:PORT   listen on TCP (e.g. 127.0.0.1:9000)\n"
           "  --threads N          worker threads (1-256, default 16); each serves one\n"
           "                       FastCGI connection at a time: keep N above the number of\n"
           "                       connections the web server keeps open (1 under mod_fcgid)\n"
           "  --check-config       load the configuration, open the database (creating\n"
           "                       missing tables as the service would), print the schema\n"
           "                       state and row counts, and exit: 0 usable, 1 database\n"
           "                       error, 2 configuration error\n"
           "  --version            print the version and exit\n"
           "  --help               print this help and exit\n\n"
           "Environment: AUTOMX2_CONF, PERMIT_CLEARTEXT_PASSWORDS, NOTIFY_SOCKET,\n"
           "LISTEN_FDS, LISTEN_PID, LDAP_* (sample data). See automx2-fcgi(8).\n";
}

Options parse_options(int argc, char** argv) {
    Options options;
    for (int i = 1; i < argc; ++i) {
        std::string_view arg = argv[i];
        std::string_view value;
        auto take_value = [&](std::string_view name) {
            if (auto eq = arg.find('='); eq != std::string_view::npos) {
                value = arg.substr(eq + 1);
                return;
            }
            if (i + 1 >= argc) {
                throw std::invalid_argument(std::string(name) + " needs a value");
            }
            value = argv[++i];
        };
        auto is = [&](std::string_view name) {
            return arg == name ||
                   (arg.starts_with(name) && arg.size() > name.size() && arg[name.size()] == '=');
        };
        if (arg == "--help" || arg == "-h") {
            options.show_help = true;
        } else if (arg == "--version") {
            options.show_version = true;
        } else if (arg == "--check-config") {
            options.check_config = true;
        } else if (is("--config")) {
            take_value("--config");
            options.config_file = value;
        } else if (is("--socket")) {
            take_value("--socket");
            options.socket = value;
        } else if (is("--threads")) {
            take_value("--threads");
            unsigned threads = 0;
            auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), threads);
            if (ec != std::errc{} || end != value.data() + value.size() || threads < 1 ||
                threads > 256) {
                throw std::invalid_argument("--threads needs a number from 1 to 256, not '" +
                                            std::string(value) + "'");
            }
            options.threads = threads;
        } else {
            throw std::invalid_argument("unknown option '" + std::string(arg) + "'");
        }
    }
    return options;
}

}  // namespace automx2
