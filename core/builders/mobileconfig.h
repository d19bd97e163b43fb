// Apple configuration profile (SPEC §9, §12).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/address.h"
#include "core/settings.h"

namespace automx2 {

struct MobileconfigRequest {
    Address address;
    std::optional<std::string> account_name;  // LDAP cn wins, then ?name=
    std::optional<std::string> password;      // only when permitted (SPEC §1)
};

// SPEC §9: the first server of `type` in prio order, unless a later one is encrypted
// while the first is not. nullptr when there is none.
const MailServer* choose_server(const std::vector<MailServer>& servers, ServerType type);

// Throws BadRequest when there is no incoming (IMAP, else POP) or no SMTP server, and
// BadData for an authentication Apple cannot take at all.
std::string build_mobileconfig(const DomainSettings& settings, const MobileconfigRequest& request);

// RFC 4122 version 5 UUID (SHA-1, namespace URL) of `name`, upper case as Apple writes it.
std::string name_based_uuid(const std::string& name);

}  // namespace automx2
