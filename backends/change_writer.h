// The management API's writes (SPEC §15) on one session, inside a write transaction the
// caller holds: replace a domain's configuration (reusing identical server rows),
// delete domains, prune, and remove the rows no domain uses any more. Throws
// soci::soci_error, BadRequest (conflicts with stored data) and PreconditionFailed.
#pragma once

#include <soci/soci.h>

#include <map>
#include <optional>
#include <set>
#include <string>

#include "backends/domain_query.h"
#include "backends/protocol_writer.h"
#include "backends/sql_dialect.h"
#include "core/domain_change.h"

namespace automx2 {

class ChangeWriter {
  public:
    ChangeWriter(soci::session& session, const SqlDialect& dialect, DomainQuery& query)
        : sql_(session), dialect_(dialect), query_(query), protocols_(session, dialect) {}

    ChangeOutcome apply(const ChangeSet& changes);

  private:
    void check(const ChangeSet& changes, const std::optional<DomainRecord>& current,
               const std::string& name);
    void upsert_ldap(const SeedLdapServer& ldap);
    bool ldap_exists(long id);
    bool provider_taken(long id);
    void write_domain(const DomainPlan& plan, std::optional<long> existing);
    void unlink(long domain_id);
    void delete_domain(long domain_id);
    long provider_id(const std::string& name, const std::string& short_name,
                     std::optional<long> wanted_id);
    long server_id(const SeedMailServer& server);
    long dav_server_id(const SeedDavServer& server);
    void remove_orphans();

    soci::session& sql_;
    const SqlDialect& dialect_;
    DomainQuery& query_;
    ProtocolWriter protocols_;  // SPEC §16 tables
    std::map<std::string, long> providers_, servers_, dav_servers_;
    std::set<long> orphan_servers_, orphan_dav_servers_, orphan_providers_;
};

}  // namespace automx2
