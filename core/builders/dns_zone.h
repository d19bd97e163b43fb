// The DNS records that let mail clients find a domain's servers and this service:
// zone-file text, one snippet per domain (printed by the `dns` command).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/model.h"

namespace automx2 {

// The records of one domain, in this order: RFC 6186 SRV (_imap, _imaps, _pop3, _pop3s,
// _submission) and RFC 8314 _submissions, target "." for a service the domain does not
// offer; the _autodiscover._tcp SRV and the autoconfig/autodiscover CNAMEs pointing at
// `service_host`; RFC 6764 _caldavs/_carddavs SRV (and _caldav/_carddav when offered)
// with TXT "path=…". `domain` is the owner (lower-case A-label); `service_host` empty:
// the autodiscover SRV and the CNAMEs are left out (said in a comment). Values that
// cannot become DNS data (a server name holding a per-user placeholder, an invalid host
// name, an unknown type) are skipped with a comment.
std::string dns_zone_snippet(const DomainRecord& record, const std::string& domain,
                             const std::string& service_host);

// SPEC §16: the PACC records of one domain: the `_ua-auto-config` TXT record carrying the
// digest of `body` (exactly the bytes served, see core/builders/pacc.h) and the
// `ua-auto-config` CNAME pointing at `service_host`, with comments for what PACC leaves
// out (`left_out`) and the certificate that name needs. `body` nullopt: the service
// answers 404, so no TXT record (said in a comment).
std::string dns_pacc_snippet(const std::string& domain, const std::optional<std::string>& body,
                             const std::vector<std::string>& left_out,
                             const std::string& service_host);

}  // namespace automx2
