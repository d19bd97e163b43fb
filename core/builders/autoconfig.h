// Mozilla Autoconfig, clientConfig version 1.1 (SPEC §7, §12). Placeholders are left in
// place: Thunderbird expands them itself.
#pragma once

#include <string>
#include <vector>

#include "core/settings.h"

namespace automx2 {

std::string build_autoconfig(const DomainSettings& settings);

// A socket type that sends the password in the clear: plain (and Autodiscover's None).
bool cleartext_socket(const MailServer& server);

// SPEC §16 "No cleartext beside TLS": the servers Autoconfig lists, in order. A
// cleartext IMAP, POP or SMTP server is left out when the domain has an encrypted server
// of the same type (Thunderbird for Android rejects a whole document for one plain
// socketType); a type with only cleartext servers keeps them.
std::vector<const MailServer*> autoconfig_servers(const DomainSettings& settings);

// The types (in imap, pop, smtp order) whose servers are all cleartext: what
// `--check-config` warns about.
std::vector<ServerType> cleartext_only_types(const DomainSettings& settings);

}  // namespace automx2
