#include "app/commands/dns.h"

#include <ostream>

#include "app/commands/pacc_view.h"
#include "app/runtime.h"
#include "core/address.h"
#include "core/builders/dns_zone.h"
#include "core/errors.h"
#include "core/text.h"

namespace automx2 {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitPartial = 1;  // a named domain is unknown or invalid
constexpr int kExitError = 2;

}  // namespace

int run_dns(const CommandLine& line, std::ostream& out, std::ostream& err) {
    auto runtime = open_command_runtime(line.config_file, false, err);
    if (!runtime)
        return kExitError;
    const std::string& service_host = runtime->config().service_host;
    if (service_host.empty()) {
        err << "automx2-fcgi: service_host is not set: no _autodiscover._tcp SRV and no "
               "autoconfig/autodiscover/ua-auto-config CNAME records\n";
    }
    return print_dns(runtime->store(), line.words, service_host, out, err);
}

int print_dns(Store& store, const std::vector<std::string>& domains,
              const std::string& service_host, std::ostream& out, std::ostream& err) {
    int status = kExitOk;
    std::vector<std::string> names = domains;
    const bool all = names.empty();
    try {
        if (all)
            names = store.domain_names();
        bool first = true;
        for (const std::string& given : names) {
            auto domain = normalise_domain(given);
            if (!domain) {
                err << "automx2-fcgi: \"" << text::printable(given, 200)
                    << "\" is not a domain name\n";
                status = kExitPartial;
                continue;
            }
            auto record = store.find_domain(*domain);
            if (!record) {
                err << "automx2-fcgi: " << *domain << " is not in the database\n";
                status = kExitPartial;
                continue;
            }
            if (!first)
                out << "\n";
            first = false;
            out << dns_zone_snippet(*record, *domain, service_host);
            try {
                // The digest of exactly the bytes the service answers with (SPEC §16).
                if (auto pacc = view_pacc(store, *domain)) {
                    out << dns_pacc_snippet(*domain, pacc->body, pacc->left_out, service_host);
                }
            } catch (const BadData& e) {
                out << "; PACC: invalid data, the service answers 400: "
                    << text::printable(e.what(), 200) << "\n";
            }
        }
    } catch (const BackendUnavailable& e) {
        err << "automx2-fcgi: database unavailable: " << e.what() << "\n";
        return kExitError;
    }
    if (all && names.empty()) {
        err << "automx2-fcgi: the database holds no domains\n";
    }
    return status;
}

}  // namespace automx2
