// The management write path's data (SPEC §15): what a domain should be configured as,
// a set of such changes applied in one transaction, and what came of it. Shared by the
// HTTP API (core/api/) and the commands; the store (backends/sql_writer.cpp) applies it.
#pragma once

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/model.h"
#include "core/seed.h"

namespace automx2 {

// The whole configuration one domain takes.
struct DomainPlan {
    std::string name;  // lower-case A-label
    std::string provider;
    std::string short_name;
    std::vector<SeedMailServer> servers;
    std::vector<SeedDavServer> dav_servers;
    std::optional<long> ldapserver_id;
    std::vector<SeedEndpoint> endpoints;  // SPEC §16
    // The provider's (SPEC §16): a plan sets it for every domain of its provider.
    std::optional<OAuth2Row> oauth2;
    // The provider's id in the export it came from: a provider created anew takes it when
    // it is free, so that Autoconfig's id="automx2-N" survives export, purge, import.
    std::optional<long> provider_id{};
};

struct ChangeSet {
    // Stored by id: created, or updated in place; one without bind_password keeps the
    // stored password (an export names none).
    std::vector<SeedLdapServer> ldap_servers;
    std::vector<DomainPlan> domains;
    std::vector<std::string> removals;  // domains to delete (404 when absent and single)
    bool prune = false;                 // remove every domain not in `domains`
    bool dry_run = false;               // report, then roll back
    // For a single PUT or DELETE: the ETag the client saw (If-Match); "*" = any existing.
    std::optional<std::string> if_match;
};

struct ChangeOutcome {
    std::vector<std::string> created, replaced, unchanged, removed;
    std::vector<std::string> missing;  // named in `removals` but absent
};

// One page of the domain list, by name.
struct DomainListEntry {
    std::string name;
    std::string provider;
};
struct DomainPage {
    std::vector<DomainListEntry> domains;
    std::optional<std::string> next;  // the `after` of the next page
};

// One seed of an export: a provider's domains sharing one server set.
struct ExportSeed {
    SeedProvider provider;
    long provider_id = 0;                      // the stored row's id (0: unknown)
    std::vector<SeedLdapServer> ldap_servers;  // the ones its domains name, no password
};

// If-Match named another state than the stored one: 412, nothing changed.
class PreconditionFailed : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// The plan that reproduces a stored domain (servers in canonical order).
DomainPlan plan_of(const DomainRecord& record);

// Servers sorted into one canonical order, so that equal configurations compare equal.
void canonicalise(DomainPlan& plan);
bool same_configuration(DomainPlan a, DomainPlan b);
bool same_oauth2(const std::optional<OAuth2Row>& a, const std::optional<OAuth2Row>& b);

// A strong ETag (quoted) for the domain's state: provider, servers, DAV servers, the
// LDAP server's fields except its password, endpoints and the provider's OAuth2 settings
// (these two only when present, so that older ETags stay valid).
std::string domain_etag(const DomainRecord& record);

}  // namespace automx2
