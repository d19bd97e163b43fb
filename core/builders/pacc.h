// PACC (draft-ietf-mailmaint-pacc; clients follow -03), SPEC §16: the JSON document
// served at /.well-known/user-agent-configuration.json and the DNS TXT record that
// publishes its SHA-256. The body is byte-stable (fixed member order, no white space),
// because a client rejects a body whose digest is not in DNS.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/settings.h"

namespace automx2 {

// The document for `settings` (host placeholders already expanded, see
// expand_host_placeholders). Only what PACC can express is published: IMAP on 993, POP3
// on 995 and submission on 465, each with implicit TLS (socket type SSL), login name
// %EMAILADDRESS% and a password or OAuth2 method; CalDAV/CardDAV as an https url on port
// 443 without a per-user part, login name the address; JMAP as an https endpoint url.
// The first such server of each kind is published. `left_out` (when given) gets one
// line per server that is not, saying why. nullopt: no protocol left (answer 404).
std::optional<std::string> build_pacc(const DomainSettings& settings,
                                      std::vector<std::string>* left_out = nullptr);

// `_ua-auto-config.{domain}. TXT "v=UAAC1; a=sha256; d={base64(sha256(body))}"`, one
// zone-file line without its newline; `domain` as served (lower-case A-label).
std::string pacc_txt_record(const std::string& domain, const std::string& body);

}  // namespace automx2
