// The management API's writes of the SPEC §16 tables (endpoint, endpoint_domain,
// oauth2), for ChangeWriter: link a domain's endpoints (reusing identical rows), set its
// provider's OAuth2 settings, and remove what no domain uses any more. Throws
// soci::soci_error and BadRequest (two plans of one provider that disagree on oauth2).
#pragma once

#include <soci/soci.h>

#include <map>
#include <optional>
#include <set>
#include <string>

#include "backends/sql_dialect.h"
#include "core/domain_change.h"

namespace automx2 {

// Deletes each row of `table` named in `ids` that no row of `link_table` refers to any
// more (through `link_column`). The names are the schema's own, never input.
void delete_unreferenced(soci::session& sql, const std::string& table,
                         const std::string& link_table, const std::string& link_column,
                         const std::set<long>& ids);

class ProtocolWriter {
  public:
    ProtocolWriter(soci::session& session, const SqlDialect& dialect)
        : sql_(session), dialect_(dialect) {}

    // Every plan of one change set that names a provider must give it the same oauth2.
    void check(const DomainPlan& plan);
    // Drops the domain's endpoint links, remembering the endpoints as possible orphans.
    void unlink(long domain_id);
    // Links the plan's endpoints (canonical, without duplicates) and sets the oauth2 row.
    void write(long domain_id, long provider_id, const DomainPlan& plan);
    // Deletes unused endpoints, and the oauth2 rows of `providers` without domains
    // (before the caller deletes those providers).
    void remove_orphans(const std::set<long>& providers);

  private:
    long endpoint_id(const SeedEndpoint& endpoint);
    void set_oauth2(long provider_id, const std::optional<OAuth2Row>& oauth2);

    soci::session& sql_;
    const SqlDialect& dialect_;
    std::map<std::string, std::optional<OAuth2Row>> wanted_oauth2_;  // by provider name
    std::map<std::string, std::string> named_by_;                    // provider → first domain
    std::map<std::string, long> endpoints_;
    std::set<long> oauth2_written_;
    std::set<long> orphan_endpoints_;
};

}  // namespace automx2
