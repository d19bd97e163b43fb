// The backend contract for configuration storage.
//
// Not found is a value: find_domain() returns nullopt for an unknown domain. A store
// that cannot answer (server down, timeout, broken connection) throws
// BackendUnavailable — the request gets 503 — and drops the broken session so that the
// next call reconnects; a call that timed out is answered, not repeated. Errors of the
// backend's libraries never leave the store. All methods are safe to call from every
// worker thread at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/domain_change.h"
#include "core/errors.h"
#include "core/model.h"
#include "core/seed.h"

namespace automx2 {

enum class InitOutcome { prepared, already_populated };

// Pooled database sessions (GET /metrics): leased now, and the pool's size.
struct PoolUsage {
    std::size_t in_use = 0, size = 0;
};

struct StoreStats {
    bool has_tables = false;
    long providers = 0, domains = 0, servers = 0, dav_servers = 0, ldap_servers = 0;
};

class Store {
  public:
    virtual ~Store() = default;

    // `domain` is already lower-case A-label; matching is case-insensitive.
    virtual std::optional<DomainRecord> find_domain(const std::string& domain) = 0;

    // Creates missing tables, upgrades old schemas (idempotent).
    virtual void ensure_schema() = 0;
    virtual bool has_tables() = 0;

    // In one transaction: create missing tables; when no provider exists yet, load
    // `seed`. Concurrent calls never load twice.
    virtual InitOutcome initialise(const Seed& seed) = 0;

    // Ids of the LDAP servers already stored (seed validation).
    virtual std::vector<long> ldap_server_ids() = 0;

    // Deletes every row of every table, in one transaction.
    virtual void purge() = 0;

    virtual StoreStats stats() = 0;

    // Every domain name as stored, by id (for `automx2-fcgi dns`). Not pure, so that
    // stores written before it still compile; the default cannot answer.
    virtual std::vector<std::string> domain_names() {
        throw BackendUnavailable("this store cannot list its domains");
    }

    // The management write path (SPEC §15), one transaction per call. apply() throws
    // PreconditionFailed (If-Match), BadRequest (a conflict with stored data); with
    // dry_run it reports what would change and changes nothing.
    virtual ChangeOutcome apply(const ChangeSet& changes) {
        static_cast<void>(changes);
        throw BackendUnavailable("this store cannot be changed");
    }
    // Names > `after` starting with `prefix`, by name, at most `limit`.
    virtual DomainPage list_domains(const std::string& prefix, const std::string& after,
                                    std::size_t limit) {
        static_cast<void>(prefix), static_cast<void>(after), static_cast<void>(limit);
        throw BackendUnavailable("this store cannot list its domains");
    }
    // Calls `sink` once per seed, one provider at a time, in one consistent snapshot.
    virtual void export_seeds(const std::function<void(const ExportSeed&)>& sink) {
        static_cast<void>(sink);
        throw BackendUnavailable("this store cannot export");
    }
    // find_domain() for the management API: the state its writes see, never older
    // (a lookup may be served by a replica that lags the primary; SPEC §17).
    virtual std::optional<DomainRecord> read_domain(const std::string& domain) {
        return find_domain(domain);
    }
    // A value that, read again in the same thread, is unchanged exactly when nothing
    // was committed in between (the response cache's validity, issue 14); nullopt when
    // the store cannot tell cheaply (server databases) or not right now.
    virtual std::optional<std::uint64_t> change_token() { return std::nullopt; }

    // GET /health (SPEC §17): a trivial query on a pooled session, bounded like every
    // other; throws BackendUnavailable when the database does not answer. The default
    // has nothing to ask.
    virtual void ping() {}
    // Sessions in use and the pool's size (GET /metrics); zero when the store has none.
    virtual PoolUsage pool_usage() { return {}; }
};

}  // namespace automx2
