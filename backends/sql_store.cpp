// The Store over SOCI: the operations of core/store.h, each one attempt (or two, by
// RetryPolicy) on a pooled session. Every SOCI error is translated here, with the
// operation and the domain as context, into BackendUnavailable (503) or BadRequest (a
// seed that conflicts with stored data); soci types never leave backends/. Messages use
// get_error_message(), never what(): SOCI appends the statement and its bound values to
// what(), and a bound value may be a bind_password.
#include "backends/sql_store.h"

#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

#include "backends/change_writer.h"
#include "backends/connection_string.h"
#include "backends/domain_query.h"
#include "backends/domain_reader.h"
#include "backends/schema.h"
#include "backends/session_pool.h"
#include "backends/socket_watchdog.h"
#include "backends/sql_dialect.h"
#include "backends/sql_echo.h"
#include "backends/sql_retry.h"
#include "backends/sql_transaction.h"
#include "backends/sql_writer.h"
#include "backends/sqlite_change_token.h"
#include "core/errors.h"
#include "core/log.h"
#include "core/metrics.h"

namespace automx2 {
namespace {

// Asks SQLite which file it opened (for the response cache's change token).
constexpr Operation database_file{"database_file", Access::read};

class SqlStore final : public Store {
  public:
    SqlStore(const DbTarget& target, const SqlStoreOptions& options)
        : target_(target),
          options_(options),
          dialect_(SqlDialect::of(target.dialect)),
          connect_(dialect_.connection_string(target, options.timeout)),
          retry_(options.timeout),
          pool_(target.in_memory ? 1 : options.pool_size, target.in_memory, pool_wait(options),
                [this](bool reconnect) { return open_session(reconnect, connect_, false); }) {
        if (separate_writer(target)) {
            // Lookups take any host of db_uri, a standby too; writes (and the management
            // API's reads) need the primary and get a few sessions of their own (writers
            // queue on one lock anyway), opened only when first needed.
            writer_connect_ = dialect_.connection_string(writer_target(target), options.timeout);
            writer_pool_.emplace(std::min<std::size_t>(options.pool_size, kWriterSessions), false,
                                 pool_wait(options), [this](bool again) {
                                     return open_session(again, writer_connect_, true);
                                 });
        }
    }

    // Creates or upgrades the schema on the first connection that succeeds; until
    // then every call throws BackendUnavailable.
    void start() {
        with_session(op::ensure_schema, "", [](soci::session&) { return 0; });
        if (target_.dialect == Dialect::sqlite && !target_.in_memory) {
            // The file as SQLite resolved it, for the per-thread change readers.
            const std::string file = with_session(database_file, "", [](soci::session& sql) {
                auto* backend = static_cast<soci::sqlite3_session_backend*>(sql.get_backend());
                const char* name = sqlite_api::sqlite3_db_filename(backend->conn_, "main");
                return std::string(name == nullptr ? "" : name);
            });
            if (!file.empty()) {
                change_token_.emplace(file, options_.timeout);
            }
        }
    }

    std::optional<std::uint64_t> change_token() override {
        return change_token_ ? change_token_->current() : std::nullopt;
    }

    std::optional<DomainRecord> find_domain(const std::string& domain) override {
        return lookup(op::find_domain, domain);
    }

    std::optional<DomainRecord> read_domain(const std::string& domain) override {
        return lookup(op::read_domain, domain);
    }

    std::optional<DomainRecord> lookup(const Operation& operation, const std::string& domain) {
        return with_lease(operation, domain, [&](SessionPool::Lease& lease) {
            auto& query = lease.lookup();
            std::string match;
            unsigned generation = 0;
            {
                std::lock_guard lock(match_mutex_);
                match = domain_match_;
                generation = match_generation_;
            }
            if (!query || query->generation() != generation) {
                query.reset();
                query = std::make_unique<DomainQuery>(lease.session(), match, generation);
            }
            try {
                return query->run(domain);
            } catch (...) {
                query.reset();  // a failed statement is never executed again
                throw;
            }
        });
    }

    void ensure_schema() override {
        with_session(op::ensure_schema, "", [&](soci::session& sql) {
            automx2::ensure_schema(sql, target_.dialect, lock_wait());
            remember_domain_match(sql);
            return 0;
        });
    }

    bool has_tables() override {
        return with_session(op::has_tables, "", [&](soci::session& sql) {
            return schema_present(sql, target_.dialect);
        });
    }

    InitOutcome initialise(const Seed& seed) override {
        // Threads of this process queue here; other processes on BEGIN IMMEDIATE.
        static std::mutex init_mutex;
        std::lock_guard guard(init_mutex);
        return with_session(op::initialise, "", [&](soci::session& sql) {
            before_write(sql);
            SqlTransaction tx(sql, target_.dialect, TxMode::write, lock_wait());
            apply_schema_changes(sql, target_.dialect);
            SqlWriter writer(sql, dialect_);
            if (writer.count("provider") > 0) {
                tx.commit();  // keeps tables created just now
                return InitOutcome::already_populated;
            }
            writer.load_seed(seed);
            tx.commit();
            return InitOutcome::prepared;
        });
    }

    std::vector<long> ldap_server_ids() override {
        return with_session(op::ldap_server_ids, "", [&](soci::session& sql) {
            return SqlWriter(sql, dialect_).ldap_server_ids();
        });
    }

    void purge() override {
        with_session(op::purge, "", [&](soci::session& sql) {
            before_write(sql);
            SqlTransaction tx(sql, target_.dialect, TxMode::write, lock_wait());
            apply_schema_changes(sql, target_.dialect);
            SqlWriter(sql, dialect_).delete_all();
            tx.commit();
            return 0;
        });
    }

    StoreStats stats() override {
        return with_session(op::stats, "", [&](soci::session& sql) {
            StoreStats stats;
            stats.has_tables = schema_present(sql, target_.dialect);
            if (stats.has_tables) {
                SqlTransaction tx(sql, target_.dialect, TxMode::read);
                SqlWriter counter(sql, dialect_);
                stats.providers = counter.count("provider");
                stats.domains = counter.count("domain");
                stats.servers = counter.count("server");
                stats.dav_servers = counter.count("davserver");
                stats.ldap_servers = counter.count("ldapserver");
                tx.commit();
            }
            return stats;
        });
    }

    std::vector<std::string> domain_names() override {
        return with_session(op::domain_names, "", [&](soci::session& sql) {
            std::vector<std::string> names;
            if (!schema_present(sql, target_.dialect)) {
                return names;
            }
            std::string name;
            soci::statement st =
                (sql.prepare << "SELECT name FROM domain ORDER BY id", soci::into(name));
            st.execute();
            while (st.fetch()) {
                names.push_back(name);
            }
            return names;
        });
    }

    ChangeOutcome apply(const ChangeSet& changes) override {
        return with_session(op::apply_changes, "", [&](soci::session& sql) {
            before_write(sql);
            SqlTransaction tx(sql, target_.dialect, TxMode::write, lock_wait());
            apply_schema_changes(sql, target_.dialect);
            std::string match;
            {
                std::lock_guard lock(match_mutex_);
                match = domain_match_;
            }
            DomainQuery query(sql, match, 0, DomainQuery::Scope::own_rows);
            ChangeOutcome outcome = ChangeWriter(sql, dialect_, query).apply(changes);
            if (!changes.dry_run) {
                tx.commit();
            }  // else the transaction's destructor rolls every change back
            return outcome;
        });
    }

    DomainPage list_domains(const std::string& prefix, const std::string& after,
                            std::size_t limit) override {
        return with_session(op::list_domains, prefix, [&](soci::session& sql) {
            return read_domain_page(sql, prefix, after, limit);
        });
    }

    void export_seeds(const std::function<void(const ExportSeed&)>& sink) override {
        bool emitted = false;
        with_session(op::export_seeds, "", [&](soci::session& sql) {
            if (emitted) {
                // A retry would write the seeds already handed out a second time.
                throw BackendUnavailable("the database failed during the export");
            }
            SqlTransaction tx(sql, target_.dialect, TxMode::read);
            read_export(sql, [&](const ExportSeed& seed) {
                emitted = true;
                sink(seed);  // may wait on a slow client: the next read's budget starts after
                SocketWatchdog::progress();
            });
            tx.commit();
            return 0;
        });
    }

    void ping() override {
        // SQLite: a read of the schema page, so that the file itself is consulted.
        const char* sql_text =
            target_.dialect == Dialect::sqlite ? "SELECT count(*) FROM sqlite_master" : "SELECT 1";
        with_session(op::ping, "", [&](soci::session& sql) {
            long long answer = 0;
            sql << sql_text, soci::into(answer);
            return answer;
        });
    }

    PoolUsage pool_usage() override { return {pool_.in_use(), pool_.size()}; }

  private:
    static std::chrono::milliseconds pool_wait(const SqlStoreOptions& options) {
        return std::max(options.timeout, std::chrono::milliseconds(1000));
    }

    std::unique_ptr<soci::session> open_session(bool reconnect, const std::string& connect,
                                                bool writer) {
        try {
            auto sql = std::make_unique<soci::session>(dialect_.backend(), connect);
            if (options_.echo) {
                sql->set_logger(new EchoLogger);
            }
            dialect_.set_up(*sql, target_, options_.timeout);
            if (reconnect) {
                log::info("database: reconnected to " + target_.display);
            }
            // SPEC §10: the schema is checked again on every reconnect, and made on the
            // first connection that succeeds.
            if (reconnect || !prepared_.load()) {
                prepare(*sql);
            }
            return sql;
        } catch (const soci::soci_error& e) {
            metrics::registry().fault(metrics::Backend::database, metrics::Fault::error);
            // libpq refuses a standby for a read-write session ("session is read-only").
            throw BackendUnavailable(std::string("database: cannot open ") +
                                     (writer ? "a writable session (the primary) on " : "") +
                                     target_.display + ": " + e.get_error_message());
        }
    }

    std::chrono::seconds lock_wait() const {
        return std::chrono::seconds(std::max<long long>(whole_seconds(options_.timeout) - 1, 1));
    }

    // Writers complete the schema inside their transaction where DDL is transactional,
    // before it elsewhere (DDL would commit it).
    void before_write(soci::session& sql) {
        if (!transactional_ddl(target_.dialect)) {
            automx2::ensure_schema(sql, target_.dialect, lock_wait());
        }
    }

    void prepare(soci::session& sql) {
        automx2::ensure_schema(sql, target_.dialect, lock_wait());
        remember_domain_match(sql);
        prepared_ = true;
    }

    void remember_domain_match(soci::session& sql) {
        std::string condition = domain_match(sql, target_.dialect);
        std::lock_guard lock(match_mutex_);
        if (condition != domain_match_) {
            domain_match_ = std::move(condition);
            ++match_generation_;  // prepared lookups with the old condition are remade
        }
    }

    template <typename F>
    auto with_session(const Operation& operation, std::string_view domain, F&& body)
        -> std::invoke_result_t<F&, soci::session&> {
        return with_lease(operation, domain,
                          [&](SessionPool::Lease& lease) { return body(lease.session()); });
    }

    // with_session() for a body that also uses the lease's prepared statements. A
    // database restart breaks every idle session, which only its next use notices: such
    // a read is tried once more on a new connection (RetryPolicy).
    template <typename F>
    auto with_lease(const Operation& operation, std::string_view domain, F&& body)
        -> std::invoke_result_t<F&, SessionPool::Lease&> {
        const bool primary = operation.access == Access::write || operation.primary;
        SessionPool& pool = primary && writer_pool_ ? *writer_pool_ : pool_;
        for (int attempt = 0;; ++attempt) {
            auto lease = pool.acquire(attempt > 0);
            if (!lease) {
                metrics::registry().fault(metrics::Backend::database, metrics::Fault::timeout);
                throw BackendUnavailable(describe(operation, domain) + ": all " +
                                         std::to_string(pool.size()) +
                                         " database sessions stayed busy");
            }
            const auto started = RetryPolicy::Clock::now();
            // libpq has no read timeout: a server that stopped answering (frozen, or
            // gone without a FIN) would hold this worker until it came back.
            SocketWatchdog::Guard watchdog(dialect_.watched_socket(lease->session()),
                                           retry_.watchdog_limit(operation));
            // A write is never repeated, so a reused session (stale after a restart or a
            // failover) is checked first, with nothing written yet.
            if (operation.access == Access::write && attempt == 0 && lease->reused() &&
                target_.dialect != Dialect::sqlite && !dialect_.alive(lease->session())) {
                watchdog.disarm();
                lease->drop();
                if (watchdog.fired()) {
                    metrics::registry().fault(metrics::Backend::database, metrics::Fault::timeout);
                    throw BackendUnavailable(describe(operation, domain) + ": no answer" +
                                             dropped_note(Failure::timed_out));
                }
                log::info(describe(operation, domain) + ": stale session dropped before writing");
                continue;
            }
            try {
                return body(*lease);
            } catch (const soci::soci_error& e) {
                const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
                    RetryPolicy::Clock::now() - started);
                const Failure failure = retry_.settle(dialect_.classify(e, lease->session()),
                                                      elapsed, watchdog.fired());
                const std::string message =
                    describe(operation, domain) + ": " + e.get_error_message();
                if (!RetryPolicy::drops_session(failure)) {
                    throw_failure(failure, operation, message);
                }
                watchdog.disarm();  // its fd number may be reused once the session closes
                lease->drop();
                if (RetryPolicy::retry(operation, failure, attempt, lease->reused())) {
                    log::info(message + " (stale session dropped, retrying on a new one)");
                    continue;
                }
                metrics::registry().fault(metrics::Backend::database, failure == Failure::timed_out
                                                                          ? metrics::Fault::timeout
                                                                          : metrics::Fault::error);
                throw BackendUnavailable(message + dropped_note(failure));
            } catch (const std::bad_cast&) {
                metrics::registry().fault(metrics::Backend::database, metrics::Fault::error);
                throw BackendUnavailable(describe(operation, domain) +
                                         ": unexpected column type in the database");
            }
        }
    }

    const DbTarget target_;
    const SqlStoreOptions options_;
    const SqlDialect& dialect_;
    const std::string connect_;
    const RetryPolicy retry_;
    std::atomic<bool> prepared_{false};
    std::mutex match_mutex_;
    std::string domain_match_ = "lower(d.name) = :d";
    unsigned match_generation_ = 0;
    SessionPool pool_;
    std::string writer_connect_;
    std::optional<SessionPool> writer_pool_;         // PostgreSQL: sessions on the primary
    std::optional<SqliteChangeToken> change_token_;  // SQLite files only
};

}  // namespace

std::unique_ptr<Store> open_sql_store(const DbTarget& target, const SqlStoreOptions& options) {
    if (target.dialect == Dialect::sqlite) {
        // SQLite's allocation statistics take a process-wide mutex on every malloc and
        // free; nothing reads them. Only possible before the library initialises (the
        // first connection): later calls fail with SQLITE_MISUSE, which changes nothing.
        // (SOCI's header includes sqlite3.h inside namespace sqlite_api.)
        static const int memstatus_off = sqlite_api::sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
        static_cast<void>(memstatus_off);
    }
    auto store = std::make_unique<SqlStore>(target, options);
    try {
        store->start();
    } catch (const BackendUnavailable& e) {
        if (target.dialect == Dialect::sqlite) {
            throw;  // a file that cannot be opened is a configuration error
        }
        // A database server may come up after this service: answer 503 until it does.
        log::error(std::string(e.what()) + "; answering 503 until the database can be reached");
    }
    return store;
}

}  // namespace automx2
