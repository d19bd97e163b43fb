#include "app/command_table.h"

#include "app/commands/dns.h"
#include "app/commands/lookup.h"

namespace automx2 {
namespace {

constexpr CommandOption kLookupOptions[] = {{"--protocol", "NAME"}};

const Command kCommands[] = {
    {"dns",
     "[--config FILE] dns [DOMAIN...]",
     "print zone-file records (RFC 6186/8314/6764 SRV, TXT, CNAME) for the\n"
     "given domains, or every domain of the database",
     {},
     run_dns},
    {"lookup", "[--config FILE] lookup ADDRESS --protocol autoconfig|autodiscover|mobileconfig",
     "print the document a client would get (status and headers on stderr);\n"
     "exit 0 on 200, 1 on 204, 2 otherwise",
     kLookupOptions, run_lookup},
};

}  // namespace

std::span<const Command> command_table() {
    return kCommands;
}

}  // namespace automx2
