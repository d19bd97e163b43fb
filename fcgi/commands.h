// Operator commands, run instead of the service:
//
//   automx2-fcgi [--config FILE] dns [DOMAIN…]
//       Zone-file records for each domain (every domain of the database when none is
//       named): RFC 6186 SRV (_imap, _imaps, _pop3, _pop3s, _submission), RFC 8314
//       _submissions, target "." for a service the domain does not offer; the
//       _autodiscover._tcp SRV and autoconfig/autodiscover CNAMEs to service_host;
//       RFC 6764 _caldavs/_carddavs SRV with TXT "path=…". Exit 0; 1 when a named
//       domain is unknown or invalid; 2 on configuration or database errors.
//
//   automx2-fcgi [--config FILE] lookup ADDRESS --protocol autoconfig|autodiscover|mobileconfig
//       Runs the request the web route would get through the same Dispatcher and
//       prints the body on stdout (byte for byte what a client gets) and the status
//       and headers on stderr. Exit 0 on 200, 1 on 204, 2 otherwise.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "core/http.h"
#include "core/model.h"
#include "core/store.h"

namespace automx2 {

// nullopt when argv names no command (argv[1], after an optional --config FILE, is not
// "dns" or "lookup"): the service runs. Otherwise the command ran; its exit status.
std::optional<int> run_command(int argc, char** argv);

// Help text for the commands (for usage()).
std::string commands_usage();

// The records of one domain. `domain` is the owner (lower-case A-label);
// `service_host` empty: the autodiscover SRV and the CNAMEs are left out (said in a
// comment). Values that cannot become DNS data (a server name holding a per-user
// placeholder, an invalid host name, an unknown type) are skipped with a comment.
std::string dns_zone_snippet(const DomainRecord& record, const std::string& domain,
                             const std::string& service_host);

// `dns` over a store: the snippets of `domains` (all of the store when empty) on
// `out`, problems on `err`. Returns the exit status described above.
int print_dns(Store& store, const std::vector<std::string>& domains,
              const std::string& service_host, std::ostream& out, std::ostream& err);

enum class LookupProtocol { autoconfig, autodiscover, mobileconfig };

std::optional<LookupProtocol> parse_lookup_protocol(std::string_view name);

// The request a client sends for `address` on the protocol's web route.
Request lookup_request(const std::string& address, LookupProtocol protocol);

}  // namespace automx2
