// Lookup (SPEC §5): domain → store → (directory) → typed settings.
#pragma once

#include <optional>
#include <string>

#include "core/address.h"
#include "core/directory.h"
#include "core/settings.h"
#include "core/store.h"

namespace automx2 {

class Resolver {
  public:
    // `directory` may be null: a domain with an LDAP server is then resolved as if it
    // had none, with a warning. `unknown_user_gets_domain` (ldap_unknown_user = domain,
    // SPEC §16): an address the directory does not know resolves like the domain alone.
    Resolver(Store& store, Directory* directory, bool unknown_user_gets_domain = false)
        : store_(store),
          directory_(directory),
          unknown_user_gets_domain_(unknown_user_gets_domain) {}

    // nullopt: unknown domain, or the domain's directory has no entry for the address
    // (both 204; the latter only with ldap_unknown_user = nocontent). Throws BadData
    // (400) and BackendUnavailable (503).
    std::optional<DomainSettings> resolve(const Address& address);

    // Without an address (SPEC §12 "No address"): no directory lookup.
    std::optional<DomainSettings> resolve_domain(const std::string& domain);

  private:
    Store& store_;
    Directory* directory_;
    bool unknown_user_gets_domain_;
};

}  // namespace automx2
