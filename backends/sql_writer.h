// Writes automx2's tables on one session, inside a transaction the caller holds
// (backends/sql_transaction.h). Throws soci::soci_error (the store translates) and
// BadRequest for seed data that conflicts with stored data. The management API's
// changes belong here too.
#pragma once

#include <soci/soci.h>

#include <string_view>
#include <vector>

#include "backends/sql_dialect.h"
#include "core/seed.h"

namespace automx2 {

class SqlWriter {
  public:
    SqlWriter(soci::session& session, const SqlDialect& dialect)
        : sql_(session), dialect_(dialect) {}

    long count(std::string_view table);
    std::vector<long> ldap_server_ids();

    // Writes `seed` into a database without providers.
    void load_seed(const Seed& seed);

    // Deletes every row of every automx2 table, children first.
    void delete_all();

  private:
    void insert_ldap(const SeedLdapServer& ldap);
    void insert_provider(const SeedProvider& provider);
    std::vector<long> insert_domains(const SeedProvider& provider, long provider_id);

    soci::session& sql_;
    const SqlDialect& dialect_;
};

// Inserts the provider's oauth2 row (SPEC §16); shared with the change writer.
void write_oauth2(soci::session& sql, long provider_id, const OAuth2Row& oauth2);

}  // namespace automx2
