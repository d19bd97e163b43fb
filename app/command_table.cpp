#include "app/command_table.h"

#include "app/commands/check.h"
#include "app/commands/dns.h"
#include "app/commands/lookup.h"
#include "app/commands/manage.h"

namespace automx2 {
namespace {

constexpr CommandOption kLookupOptions[] = {{"--protocol", "NAME"}};
constexpr CommandOption kImportOptions[] = {{"--dry-run", ""}, {"--prune", ""}};
constexpr CommandOption kCheckOptions[] = {{"--resolver", "ADDR[:PORT]"},
                                           {"--cafile", "FILE"},
                                           {"--connect", "HOST:PORT"},
                                           {"--timeout", "SECONDS"},
                                           {"--json", ""}};
constexpr CommandOption kTokenOptions[] = {{"--expires", "DATE|DAYS"}};

const Command kCommands[] = {
    {"dns",
     "[--config FILE] dns [DOMAIN...]",
     "print zone-file records (RFC 6186/8314/6764 SRV, TXT, CNAME; PACC's TXT\n"
     "and CNAME) for the given domains, or every domain of the database",
     {},
     run_dns},
    {"lookup",
     "[--config FILE] lookup ADDRESS --protocol autoconfig|autodiscover|mobileconfig|pacc",
     "print the document a client would get (status and headers on stderr);\n"
     "pacc takes an address or a domain and also prints its TXT record;\n"
     "exit 0 on 200, 1 on 204, 2 otherwise",
     kLookupOptions, run_lookup},
    {"export",
     "[--config FILE] export [FILE]",
     "write every domain as version-2 seeds (no passwords), as GET /api/v1/export",
     {},
     run_export},
    {"import", "[--config FILE] import FILE|- [--dry-run] [--prune]",
     "load seeds in one transaction, as POST /api/v1/import; exit 0, 1 on a\n"
     "database error, 2 on bad input",
     kImportOptions, run_import},
    {"domain list",
     "[--config FILE] domain list [PREFIX]",
     "print every domain (by name) and its provider, tab-separated",
     {},
     run_domain_list},
    {"domain show",
     "[--config FILE] domain show NAME",
     "print the domain view, as GET /api/v1/domains/NAME",
     {},
     run_domain_show},
    {"domain delete",
     "[--config FILE] domain delete NAME",
     "remove a domain and every row no domain uses any more",
     {},
     run_domain_delete},
    {"check",
     "[--config FILE] check [DOMAIN...] [--json] [--resolver ADDR[:PORT]]\n"
     "      [--cafile FILE] [--connect HOST:PORT] [--timeout SECONDS]",
     "compare the published DNS records and the documents fetched over HTTPS\n"
     "(certificates verified) with this service's answers: PASS, MISSING,\n"
     "DIFFERS or ERROR per item; exit 0 only when everything passes",
     kCheckOptions, run_check},
    {"token add", "[--config FILE] token add NAME [--expires YYYY-MM-DD|DAYS]",
     "create a management API token, print it once, append its hash to\n"
     "admin_tokens_file; with --expires it is refused after that day (UTC)\n"
     "or that many days",
     kTokenOptions, run_token_add},
};

}  // namespace

std::span<const Command> command_table() {
    return kCommands;
}

}  // namespace automx2
