// The SOCI store. Every SOCI error is translated here, with the operation and the domain
// as context, into BackendUnavailable (503) or BadRequest (a seed that conflicts with
// stored data); soci types never leave this file. Messages use get_error_message(), never
// what(): SOCI appends the statement and its bound values to what(), and a bound value
// may be a bind_password.
#include "backends/sql_store.h"

#include <libpq-fe.h>
#include <soci/mysql/soci-mysql.h>
#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

#include "backends/schema.h"
#include "backends/socket_watchdog.h"
#include "backends/sql_transaction.h"
#include "backends/sqlite_change_token.h"
#include "core/errors.h"
#include "core/log.h"

namespace automx2 {
namespace {

// The one place that names a SOCI backend (the DDL of each is in schema.cpp).
const soci::backend_factory& backend_for(Dialect dialect) {
    switch (dialect) {
        case Dialect::sqlite:
            return soci::sqlite3;
        case Dialect::mysql:
            return soci::mysql;
        case Dialect::postgresql:
            return soci::postgresql;
    }
    throw ConfigError(std::string("db_uri: the ") + dialect_name(dialect) +
                      " backend is not built into this binary");
}

// db_timeout in whole seconds, rounded up, at least one.
long long timeout_seconds(const SqlStoreOptions& options) {
    const auto ms = std::max<long long>(options.timeout.count(), 1);
    return (ms + 999) / 1000;
}

// A db_uri query parameter of the same name wins over these defaults.
bool has_param(const std::string& connect, std::string_view key) {
    for (const char* sep : {" ", "?", "&"}) {
        if (connect.find(sep + std::string(key) + "=") != std::string::npos) {
            return true;
        }
    }
    return connect.starts_with(std::string(key) + "=");
}

void add_param(std::string& connect, std::string_view key, const std::string& value) {
    if (has_param(connect, key)) {
        return;
    }
    if (connect.starts_with("postgresql://")) {  // libpq URI form (see db_uri.cpp)
        connect += connect.find('?') == std::string::npos ? '?' : '&';
    } else {
        connect += ' ';
    }
    connect += std::string(key) + "=" + value;
}

// Every network wait is bounded by db_timeout (SPEC §11): connecting, and each read or
// write of a query.
std::string connect_string(const DbTarget& target, const SqlStoreOptions& options) {
    std::string result = target.connect_string;
    const std::string seconds = std::to_string(timeout_seconds(options));
    switch (target.dialect) {
        case Dialect::sqlite:
            // SOCI's SQLite busy timeout.
            result += " timeout=" + seconds;
            break;
        case Dialect::mysql:
            // Client-side socket timeouts of libmariadb (MYSQL_OPT_*_TIMEOUT).
            add_param(result, "connect_timeout", seconds);
            add_param(result, "read_timeout", seconds);
            add_param(result, "write_timeout", seconds);
            break;
        case Dialect::postgresql:
            // libpq ignores a connect_timeout below 2 s. Statements are bounded by
            // statement_timeout (set per session); a peer that vanished by TCP keepalive
            // and tcp_user_timeout (unacknowledged data).
            add_param(result, "connect_timeout",
                      std::to_string(std::max<long long>(timeout_seconds(options), 2)));
            add_param(result, "keepalives", "1");
            add_param(result, "keepalives_idle", "30");
            add_param(result, "keepalives_interval", seconds);
            add_param(result, "keepalives_count", "2");
            add_param(result, "tcp_user_timeout",
                      std::to_string(std::max<long long>(options.timeout.count(), 1)));
            break;
    }
    return result;
}

// db_echo: the statement text only. Bound values are never passed to a logger.
class EchoLogger : public soci::logger_impl {
  public:
    void start_query(const std::string& query) override { log::info("SQL: " + query); }

  private:
    soci::logger_impl* do_clone() const override { return new EchoLogger; }
};

enum class Failure {
    broken,       // the connection is unusable: drop the session, reconnect next time
    unavailable,  // busy, timeout, anything else the database refused: 503
    constraint,   // the data written conflicts with stored data
};

bool mysql_connection_lost(unsigned int code) {
    // 2000-2999: the client library's own errors (server gone, lost, cannot connect,
    // timeouts). 1053 server shutdown, 1152/1153/1159-1161 aborted or failed network
    // I/O, 1927 connection killed, 4031 disconnected for inactivity.
    return (code >= 2000 && code < 3000) || code == 1053 || code == 1152 || code == 1153 ||
           (code >= 1159 && code <= 1161) || code == 1927 || code == 4031;
}

Failure classify(const soci::soci_error& error, soci::session& session) {
    if (const auto* mysql = dynamic_cast<const soci::mysql_soci_error*>(&error)) {
        const unsigned int code = mysql->err_num_;
        if (mysql_connection_lost(code)) {
            return Failure::broken;
        }
        // Duplicate key, foreign key failures.
        if (code == 1062 || code == 1216 || code == 1217 || code == 1451 || code == 1452) {
            return Failure::constraint;
        }
        return Failure::unavailable;  // lock wait timeout, deadlock, anything else
    }
    if (session.get_backend() != nullptr && session.get_backend_name() == "postgresql") {
        // libpq notices a lost server itself; its own errors carry no SQLSTATE.
        auto* backend = static_cast<soci::postgresql_session_backend*>(session.get_backend());
        if (backend->conn_ == nullptr || PQstatus(backend->conn_) != CONNECTION_OK) {
            return Failure::broken;
        }
        if (const auto* pg = dynamic_cast<const soci::postgresql_soci_error*>(&error)) {
            const std::string state = pg->sqlstate();
            // 08: connection exception; 57P01-03: the server is shutting down.
            if (state.starts_with("08") || state == "57P01" || state == "57P02" ||
                state == "57P03") {
                return Failure::broken;
            }
            if (state.starts_with("23")) {
                return Failure::constraint;
            }
            return Failure::unavailable;  // 57014 statement_timeout and the rest
        }
    }
    if (const auto* sqlite = dynamic_cast<const soci::sqlite3_soci_error*>(&error)) {
        switch (sqlite->result() & 0xff) {
            case SQLITE_IOERR:
            case SQLITE_CORRUPT:
            case SQLITE_CANTOPEN:
            case SQLITE_NOTADB:
            case SQLITE_NOMEM:
                return Failure::broken;
            case SQLITE_CONSTRAINT:
                return Failure::constraint;
            default:
                return Failure::unavailable;
        }
    }
    switch (error.get_error_category()) {
        case soci::soci_error::connection_error:
        case soci::soci_error::system_error:
            return Failure::broken;
        case soci::soci_error::constraint_violation:
            return Failure::constraint;
        default:
            return Failure::unavailable;
    }
}

std::string context(std::string_view operation, std::string_view domain) {
    std::string text = "database: ";
    text += operation;
    if (!domain.empty()) {
        text += " for domain ";
        text += domain;
    }
    return text;
}

bool truthy(const std::string& text) {
    std::string value;
    for (char c : text) {
        value += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return value == "1" || value == "t" || value == "true" || value == "y" || value == "yes" ||
           value == "on";
}

// automx2 databases have no SQL default on these columns (SQLAlchemy applies Python
// defaults), so NULL is possible and the defaults of SPEC §2 are applied here.
template <typename T>
T or_default(const T& value, soci::indicator ind, T fallback) {
    return ind == soci::i_ok ? value : fallback;
}

std::optional<std::string> or_null(const std::string& value, soci::indicator ind) {
    if (ind != soci::i_ok) {
        return std::nullopt;
    }
    return value;
}

// The whole lookup of one domain as one statement (one round trip, one consistent
// snapshot without an explicit transaction), prepared once per pooled session and
// executed again for every lookup. Rows: kind 0 the domain with its provider and LDAP
// server, 1 the provider's domains, 2 the mail servers, 3 the DAV servers, each kind in
// the order DomainRecord promises. Where a kind has no value the columns repeat typed
// ones of the CTE (never a bare NULL in the first two branches), so that PostgreSQL
// resolves every UNION column to one type.
class DomainQuery {
  public:
    DomainQuery(soci::session& sql, const std::string& domain_match, unsigned generation)
        : generation_(generation),
          statement_(
              (sql.prepare << "WITH m AS (SELECT d.id AS id, d.name AS name, p.id AS pid, "
                              "p.name AS pname, p.short_name AS pshort, d.ldapserver_id AS lref, "
                              "l.id AS lid, l.port AS lport, l.name AS lname, l.search_base AS "
                              "lbase, l.search_filter AS lfilter, l.attr_uid AS luid, l.attr_cn "
                              "AS lcn, l.bind_user AS luser, l.bind_password AS lpw, l.use_ssl "
                              "AS lssl FROM domain d JOIN provider p ON p.id = d.provider_id "
                              "LEFT JOIN ldapserver l ON l.id = d.ldapserver_id WHERE " +
                                  domain_match +
                                  " ORDER BY CASE WHEN d.name = :exact THEN 0 ELSE 1 END, d.id "
                                  "LIMIT 1) "
                                  "SELECT 0, id, pid, lref, lid, lport, 0, 0, name, pname, "
                                  "pshort, lname, lbase, lfilter, luid, lcn, luser, lpw, lssl, "
                                  "lssl FROM m "
                                  "UNION ALL SELECT 1, o.id, m.pid, m.lref, m.lid, m.lport, "
                                  "o.id, 0, o.name, m.pname, m.pshort, m.lname, m.lbase, "
                                  "m.lfilter, m.luid, m.lcn, m.luser, m.lpw, m.lssl, m.lssl "
                                  "FROM m JOIN domain o ON o.provider_id = m.pid "
                                  "UNION ALL SELECT 2, s.id, s.prio, s.port, m.lid, m.lport, "
                                  "COALESCE(s.prio, 10), s.id, s.name, s.type, s.socket_type, "
                                  "s.user_name, s.authentication, m.lfilter, m.luid, m.lcn, "
                                  "m.luser, m.lpw, m.lssl, m.lssl "
                                  "FROM m JOIN server_domain sd ON sd.domain_id = m.id "
                                  "JOIN server s ON s.id = sd.server_id "
                                  "UNION ALL SELECT 3, v.id, v.port, m.lref, m.lid, m.lport, "
                                  "v.id, 0, v.url, v.type, v.user_name, m.lname, m.lbase, "
                                  "m.lfilter, m.luid, m.lcn, m.luser, m.lpw, v.use_ssl, "
                                  "v.domain_required "
                                  "FROM m JOIN davserver_domain vd ON vd.domain_id = m.id "
                                  "JOIN davserver v ON v.id = vd.davserver_id "
                                  "ORDER BY 1, 7, 8",
               soci::into(kind_), soci::into(id_), soci::into(n_[0], n_ind_[0]),
               soci::into(n_[1], n_ind_[1]), soci::into(n_[2], n_ind_[2]),
               soci::into(n_[3], n_ind_[3]), soci::into(sort_[0], sort_ind_[0]),
               soci::into(sort_[1], sort_ind_[1]), soci::into(t_[0], t_ind_[0]),
               soci::into(t_[1], t_ind_[1]), soci::into(t_[2], t_ind_[2]),
               soci::into(t_[3], t_ind_[3]), soci::into(t_[4], t_ind_[4]),
               soci::into(t_[5], t_ind_[5]), soci::into(t_[6], t_ind_[6]),
               soci::into(t_[7], t_ind_[7]), soci::into(t_[8], t_ind_[8]),
               soci::into(t_[9], t_ind_[9]), soci::into(t_[10], t_ind_[10]),
               soci::into(t_[11], t_ind_[11]), soci::use(domain_, "d"),
               soci::use(exact_, "exact"))) {}

    unsigned generation() const { return generation_; }

    std::optional<DomainRecord> run(const std::string& domain) {
        domain_ = domain;
        exact_ = domain;
        std::optional<DomainRecord> record;
        long ldap_ref = 0;
        bool has_ldap_ref = false;
        statement_.execute();
        while (statement_.fetch()) {
            if (kind_ == 0) {
                record.emplace();
                record->domain_id = id_;
                record->domain = text(0, "");
                record->provider.id = number(0, 0);
                record->provider.name = text(1, "");
                record->provider.short_name = text(2, "");
                has_ldap_ref = n_ind_[1] == soci::i_ok;
                ldap_ref = number(1, 0);
                if (has_ldap_ref && n_ind_[2] == soci::i_ok) {
                    LdapServerRow ldap;
                    ldap.id = number(2, 0);
                    ldap.port = static_cast<int>(number(3, 636));
                    ldap.name = text(3, "");
                    ldap.use_ssl = t_ind_[10] == soci::i_ok ? truthy(t_[10]) : ldap.port == 636;
                    ldap.search_base = text(4, "");
                    ldap.search_filter = text(5, "(mail={0})");
                    ldap.attr_uid = text(6, "uid");
                    ldap.attr_cn = optional_text(7);
                    ldap.bind_user = optional_text(8);
                    ldap.bind_password = optional_text(9);
                    record->ldap = std::move(ldap);
                }
            } else if (!record) {
                continue;  // cannot happen: kind 0 sorts first
            } else if (kind_ == 1) {
                record->provider_domains.push_back(text(0, ""));
            } else if (kind_ == 2) {
                MailServerRow row;
                row.id = id_;
                row.prio = static_cast<int>(number(0, 10));
                row.port = static_cast<int>(number(1, 0));
                row.name = text(0, "");
                row.type = text(1, "");
                row.socket_type = text(2, "STARTTLS");
                row.user_name = text(3, "%EMAILADDRESS%");
                row.authentication = text(4, "plain");
                record->servers.push_back(std::move(row));
            } else {
                DavServerRow row;
                row.id = id_;
                row.port = static_cast<int>(number(0, 0));
                row.url = text(0, "");
                row.type = text(1, "");
                row.user_name = optional_text(2);
                // automx2's Python defaults: use_ssl False, domain_required True.
                row.use_ssl = t_ind_[10] == soci::i_ok && truthy(t_[10]);
                row.domain_required = t_ind_[11] != soci::i_ok || truthy(t_[11]);
                record->dav_servers.push_back(std::move(row));
            }
        }
        if (record && has_ldap_ref && !record->ldap) {
            throw BadData("domain " + record->domain + " refers to LDAP server " +
                          std::to_string(ldap_ref) + ", which does not exist");
        }
        return record;
    }

  private:
    long number(int i, long fallback) const { return n_ind_[i] == soci::i_ok ? n_[i] : fallback; }
    std::string text(int i, const char* fallback) const {
        return t_ind_[i] == soci::i_ok ? t_[i] : std::string(fallback);
    }
    std::optional<std::string> optional_text(int i) const { return or_null(t_[i], t_ind_[i]); }

    const unsigned generation_;
    int kind_ = 0;
    long id_ = 0;
    long n_[4] = {};
    soci::indicator n_ind_[4] = {};
    long sort_[2] = {};
    soci::indicator sort_ind_[2] = {};
    std::string t_[12];
    soci::indicator t_ind_[12] = {};
    std::string domain_, exact_;
    soci::statement statement_;
};

// Sessions opened lazily, leased to one caller at a time and reused across calls.
class SessionPool {
  public:
    // Opens and prepares a session; `reconnect` is true when the slot's previous
    // session was dropped. Throws BackendUnavailable (or ConfigError).
    using Opener = std::function<std::unique_ptr<soci::session>(bool reconnect)>;

    class Lease {
      public:
        Lease(SessionPool& pool, std::size_t slot) noexcept : pool_(&pool), slot_(slot) {}
        Lease(Lease&& other) noexcept
            : pool_(std::exchange(other.pool_, nullptr)),
              slot_(other.slot_),
              reused_(other.reused_) {}
        Lease(const Lease&) = delete;
        Lease& operator=(const Lease&) = delete;
        Lease& operator=(Lease&&) = delete;
        ~Lease() {
            if (pool_ != nullptr) {
                pool_->release(slot_);
            }
        }

        soci::session& session() { return *pool_->slots_[slot_].session; }
        // The lookup statement prepared on this session (empty until first made).
        std::unique_ptr<DomainQuery>& lookup() { return pool_->slots_[slot_].lookup; }
        // The connection is broken: close it; the next lease of this slot reconnects.
        void drop() { pool_->drop(slot_); }
        // The session was opened by an earlier lease (it may have gone stale since).
        bool reused() const { return reused_; }

      private:
        friend class SessionPool;
        SessionPool* pool_;
        std::size_t slot_;
        bool reused_ = true;
    };

    SessionPool(std::size_t size, bool keep_forever, std::chrono::milliseconds wait, Opener opener)
        : slots_(std::max<std::size_t>(size, 1)),
          keep_forever_(keep_forever),
          wait_(wait),
          opener_(std::move(opener)) {}

    Lease acquire(std::string_view operation, std::string_view domain) {
        std::size_t slot = 0;
        {
            std::unique_lock lock(mutex_);
            const bool got = cv_.wait_for(lock, wait_, [&] { return find_free(slot); });
            if (!got) {
                throw BackendUnavailable(context(operation, domain) + ": all " +
                                         std::to_string(slots_.size()) +
                                         " database sessions stayed busy");
            }
            slots_[slot].busy = true;
        }
        Lease lease(*this, slot);  // from here the slot is released on every path
        auto& entry = slots_[slot];
        if (!entry.session) {
            entry.session = opener_(entry.dropped);
            entry.dropped = false;
            lease.reused_ = false;
        }
        return lease;
    }

  private:
    struct Slot {
        std::unique_ptr<soci::session> session;
        std::unique_ptr<DomainQuery> lookup;  // after session: destroyed before it
        bool busy = false;
        bool dropped = false;
    };

    // Prefers a free slot whose session is already open.
    bool find_free(std::size_t& slot) const {
        bool found = false;
        for (std::size_t i = 0; i < slots_.size(); ++i) {
            if (slots_[i].busy) {
                continue;
            }
            if (slots_[i].session) {
                slot = i;
                return true;
            }
            if (!found) {
                slot = i;
                found = true;
            }
        }
        return found;
    }

    void release(std::size_t slot) {
        {
            std::lock_guard lock(mutex_);
            slots_[slot].busy = false;
        }
        cv_.notify_one();
    }

    // Called by the lease holder only, so no other thread touches this slot.
    void drop(std::size_t slot) {
        if (keep_forever_) {
            return;  // an in-memory database would be lost with its only session
        }
        slots_[slot].lookup.reset();
        slots_[slot].session.reset();
        slots_[slot].dropped = true;
    }

    std::mutex mutex_;
    std::condition_variable cv_;
    std::vector<Slot> slots_;
    const bool keep_forever_;
    const std::chrono::milliseconds wait_;
    const Opener opener_;
};

class SqlStore final : public Store {
  public:
    SqlStore(const DbTarget& target, const SqlStoreOptions& options)
        : target_(target),
          options_(options),
          connect_(connect_string(target, options)),
          factory_(backend_for(target.dialect)),
          pool_(target.in_memory ? 1 : options.pool_size, target.in_memory,
                std::max(options.timeout, std::chrono::milliseconds(1000)),
                [this](bool reconnect) { return open_session(reconnect); }) {}

    // Creates or upgrades the schema on the first connection that succeeds; until
    // then every call throws BackendUnavailable.
    void start() {
        with_session("ensure_schema", "", [](soci::session&) { return 0; });
        if (target_.dialect == Dialect::sqlite && !target_.in_memory) {
            // The file as SQLite resolved it, for the per-thread change readers.
            const std::string file = with_session("filename", "", [](soci::session& sql) {
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
        return with_lease("find_domain", domain, [&](SessionPool::Lease& lease) {
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
        with_session("ensure_schema", "", [&](soci::session& sql) {
            automx2::ensure_schema(sql, target_.dialect, lock_wait());
            remember_domain_match(sql);
            return 0;
        });
    }

    bool has_tables() override {
        return with_session("has_tables", "", [&](soci::session& sql) {
            return schema_present(sql, target_.dialect);
        });
    }

    InitOutcome initialise(const Seed& seed) override {
        // Threads of this process queue here; other processes on BEGIN IMMEDIATE.
        static std::mutex init_mutex;
        std::lock_guard guard(init_mutex);
        return with_session("initialise", "", [&](soci::session& sql) {
            if (!transactional_ddl(target_.dialect)) {
                automx2::ensure_schema(sql, target_.dialect, lock_wait());
            }
            SqlTransaction tx(sql, target_.dialect, TxMode::write, lock_wait());
            apply_schema_changes(sql, target_.dialect);
            if (count(sql, "provider") > 0) {
                tx.commit();  // keeps tables created just now
                return InitOutcome::already_populated;
            }
            load(sql, seed);
            tx.commit();
            return InitOutcome::prepared;
        });
    }

    std::vector<long> ldap_server_ids() override {
        return with_session("ldap_server_ids", "",
                            [&](soci::session& sql) { return stored_ldap_ids(sql); });
    }

    void purge() override {
        with_session("purge", "", [&](soci::session& sql) {
            if (!transactional_ddl(target_.dialect)) {
                automx2::ensure_schema(sql, target_.dialect, lock_wait());
            }
            SqlTransaction tx(sql, target_.dialect, TxMode::write, lock_wait());
            apply_schema_changes(sql, target_.dialect);
            for (auto it = kAutomx2Tables.rbegin(); it != kAutomx2Tables.rend(); ++it) {
                sql << "DELETE FROM " + std::string(*it);
            }
            tx.commit();
            return 0;
        });
    }

    StoreStats stats() override {
        return with_session("stats", "", [&](soci::session& sql) {
            StoreStats stats;
            stats.has_tables = schema_present(sql, target_.dialect);
            if (stats.has_tables) {
                SqlTransaction tx(sql, target_.dialect, TxMode::read);
                stats.providers = count(sql, "provider");
                stats.domains = count(sql, "domain");
                stats.servers = count(sql, "server");
                stats.dav_servers = count(sql, "davserver");
                stats.ldap_servers = count(sql, "ldapserver");
                tx.commit();
            }
            return stats;
        });
    }

    std::vector<std::string> domain_names() override {
        return with_session("domain_names", "", [&](soci::session& sql) {
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

  private:
    std::unique_ptr<soci::session> open_session(bool reconnect) {
        try {
            auto sql = std::make_unique<soci::session>(factory_, connect_);
            if (options_.echo) {
                sql->set_logger(new EchoLogger);
            }
            const long long ms = std::max<long long>(options_.timeout.count(), 1);
            switch (target_.dialect) {
                case Dialect::sqlite:
                    sql->once << "PRAGMA foreign_keys = ON";
                    // One page cache per worker session: 512 KiB each keeps the service
                    // small (the kernel caches the file anyway).
                    if (!target_.in_memory) {
                        sql->once << "PRAGMA cache_size = -512";
                    }
                    break;
                case Dialect::mysql:
                    // Row locks are waited for on the server, not bounded by the socket
                    // timeouts until the server answers.
                    sql->once << "SET SESSION innodb_lock_wait_timeout = " +
                                     std::to_string(timeout_seconds(options_));
                    break;
                case Dialect::postgresql:
                    // Set here, not as options='-c …': SOCI 4.0 cuts the connection string
                    // at white space.
                    sql->once << "SET statement_timeout = " + std::to_string(ms);
                    break;
            }
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
            throw BackendUnavailable("database: cannot open " + target_.display + ": " +
                                     e.get_error_message());
        }
    }

    std::chrono::seconds lock_wait() const {
        return std::chrono::seconds(std::max<long long>(timeout_seconds(options_) - 1, 1));
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
    auto with_session(std::string_view operation, std::string_view domain, F&& body)
        -> std::invoke_result_t<F&, soci::session&> {
        return with_lease(operation, domain,
                          [&](SessionPool::Lease& lease) { return body(lease.session()); });
    }

    // with_session() for a body that also uses the lease's prepared statements.
    template <typename F>
    auto with_lease(std::string_view operation, std::string_view domain, F&& body)
        -> std::invoke_result_t<F&, SessionPool::Lease&> {
        // A database restart breaks every idle session, which only its next use notices:
        // a read on a reused session that turns out broken is tried once more on a new
        // connection (SPEC §11: about twice the timeout at most). Writes are not repeated.
        const bool idempotent = operation != "initialise" && operation != "purge";
        for (int attempt = 0;; ++attempt) {
            auto lease = pool_.acquire(operation, domain);
            // libpq has no read timeout: a server that stopped answering (frozen, or
            // gone without a FIN) would hold this worker until it came back.
            SocketWatchdog::Guard watchdog(postgresql_socket(lease.session()),
                                           watchdog_limit(idempotent));
            try {
                return body(lease);
            } catch (const soci::soci_error& e) {
                const Failure failure = classify(e, lease.session());
                const std::string message =
                    context(operation, domain) + ": " + e.get_error_message();
                if (failure != Failure::broken) {
                    translate(failure, operation, message);
                }
                lease.drop();
                if (idempotent && attempt == 0 && lease.reused()) {
                    log::info(message + " (stale session dropped, retrying on a new one)");
                    continue;
                }
                throw BackendUnavailable(message + " (session dropped, will reconnect)");
            } catch (const std::bad_cast&) {
                throw BackendUnavailable(context(operation, domain) +
                                         ": unexpected column type in the database");
            }
        }
    }

    int postgresql_socket(soci::session& sql) const {
        if (target_.dialect != Dialect::postgresql) {
            return -1;
        }
        auto* backend = static_cast<soci::postgresql_session_backend*>(sql.get_backend());
        return backend != nullptr && backend->conn_ != nullptr ? PQsocket(backend->conn_) : -1;
    }

    // statement_timeout answers first while the server works; this is the backstop.
    // Writes (a whole seed) get more room than one lookup.
    std::chrono::milliseconds watchdog_limit(bool read) const {
        const auto base = std::max(options_.timeout, std::chrono::milliseconds(1000));
        return read ? base + std::chrono::milliseconds(1000) : 10 * base;
    }

    // Throws the exception for a failure that left the session usable.
    [[noreturn]] static void translate(Failure failure, std::string_view operation,
                                       const std::string& message) {
        if (failure == Failure::constraint && operation == "initialise") {
            log::warning(message);
            throw BadRequest("seed data conflicts with data already stored");
        }
        throw BackendUnavailable(message);
    }

    static long count(soci::session& sql, std::string_view table) {
        long n = 0;
        sql << "SELECT COUNT(*) FROM " + std::string(table), soci::into(n);
        return n;
    }

    static std::vector<long> stored_ldap_ids(soci::session& sql) {
        std::vector<long> ids;
        long id = 0;
        soci::statement st =
            (sql.prepare << "SELECT id FROM ldapserver ORDER BY id", soci::into(id));
        st.execute();
        while (st.fetch()) {
            ids.push_back(id);
        }
        return ids;
    }

    // Writes `seed` into an empty database, inside the caller's transaction.
    static void load(soci::session& sql, const Seed& seed) {
        const auto stored = stored_ldap_ids(sql);
        std::set<long> ldap_ids(stored.begin(), stored.end());
        for (const auto& ldap : seed.ldap_servers) {
            if (!ldap_ids.insert(ldap.id).second) {
                throw BadRequest("ldapservers: id " + std::to_string(ldap.id) + " already exists");
            }
        }
        // Checked here, under the write lock, as well as by parse_seed: a server may
        // have gone since the seed was validated.
        for (const auto& provider : seed.providers) {
            for (const auto& domain : provider.domains) {
                if (domain.ldapserver_id && !ldap_ids.contains(*domain.ldapserver_id)) {
                    throw BadRequest("domain " + domain.name + ": unknown ldapserver_id " +
                                     std::to_string(*domain.ldapserver_id));
                }
            }
        }
        for (const auto& ldap : seed.ldap_servers) {
            insert_ldap(sql, ldap);
        }
        for (const auto& provider : seed.providers) {
            insert_provider(sql, provider);
        }
    }

    static void insert_ldap(soci::session& sql, const SeedLdapServer& ldap) {
        const int use_ssl = ldap.use_ssl ? 1 : 0;
        const std::string empty;
        soci::indicator cn_ind = ldap.attr_cn ? soci::i_ok : soci::i_null;
        soci::indicator user_ind = ldap.bind_user ? soci::i_ok : soci::i_null;
        soci::indicator password_ind = ldap.bind_password ? soci::i_ok : soci::i_null;
        sql << "INSERT INTO ldapserver (id, name, port, use_ssl, search_base, search_filter, "
               "attr_uid, attr_cn, bind_user, bind_password) VALUES (:id, :name, :port, "
               ":use_ssl, :base, :filter, :uid, :cn, :user, :password)",
            soci::use(ldap.id, "id"), soci::use(ldap.name, "name"), soci::use(ldap.port, "port"),
            soci::use(use_ssl, "use_ssl"), soci::use(ldap.search_base, "base"),
            soci::use(ldap.search_filter, "filter"), soci::use(ldap.attr_uid, "uid"),
            soci::use(ldap.attr_cn ? *ldap.attr_cn : empty, cn_ind, "cn"),
            soci::use(ldap.bind_user ? *ldap.bind_user : empty, user_ind, "user"),
            soci::use(ldap.bind_password ? *ldap.bind_password : empty, password_ind, "password");
    }

    static long last_id(soci::session& sql, const std::string& table) {
        long long id = 0;
        if (sql.get_backend_name() == "postgresql") {
            // The SERIAL column's sequence, advanced by the INSERT just made.
            sql << "SELECT lastval()", soci::into(id);
            return static_cast<long>(id);
        }
        if (!sql.get_last_insert_id(table, id)) {
            throw soci::soci_error("cannot read the id of the new " + table + " row");
        }
        return static_cast<long>(id);
    }

    static void insert_provider(soci::session& sql, const SeedProvider& provider) {
        sql << "INSERT INTO provider (name, short_name) VALUES (:name, :short)",
            soci::use(provider.name, "name"), soci::use(provider.short_name, "short");
        const long provider_id = last_id(sql, "provider");

        std::vector<long> domain_ids;
        {
            std::string name;
            long ldap_id = 0;
            soci::indicator ldap_ind = soci::i_null;
            soci::statement st =
                (sql.prepare << "INSERT INTO domain (name, provider_id, ldapserver_id) "
                                "VALUES (:name, :provider, :ldap)",
                 soci::use(name, "name"), soci::use(provider_id, "provider"),
                 soci::use(ldap_id, ldap_ind, "ldap"));
            for (const auto& domain : provider.domains) {
                name = domain.name;
                ldap_id = domain.ldapserver_id.value_or(0);
                ldap_ind = domain.ldapserver_id ? soci::i_ok : soci::i_null;
                st.execute(true);
                domain_ids.push_back(last_id(sql, "domain"));
            }
        }

        long server_id = 0, domain_id = 0;
        soci::statement link_server =
            (sql.prepare << "INSERT INTO server_domain (server_id, domain_id) VALUES (:s, :d)",
             soci::use(server_id, "s"), soci::use(domain_id, "d"));
        for (const auto& server : provider.servers) {
            sql << "INSERT INTO server (prio, name, port, type, socket_type, user_name, "
                   "authentication) VALUES (:prio, :name, :port, :type, :socket, :user, :auth)",
                soci::use(server.prio, "prio"), soci::use(server.name, "name"),
                soci::use(server.port, "port"), soci::use(server.type, "type"),
                soci::use(server.socket_type, "socket"), soci::use(server.user_name, "user"),
                soci::use(server.authentication, "auth");
            server_id = last_id(sql, "server");
            for (long id : domain_ids) {
                domain_id = id;
                link_server.execute(true);
            }
        }

        soci::statement link_dav =
            (sql.prepare << "INSERT INTO davserver_domain (davserver_id, domain_id) "
                            "VALUES (:s, :d)",
             soci::use(server_id, "s"), soci::use(domain_id, "d"));
        for (const auto& dav : provider.dav_servers) {
            const int use_ssl = dav.use_ssl ? 1 : 0;
            const int required = dav.domain_required ? 1 : 0;
            const std::string empty;
            soci::indicator user_ind = dav.user_name ? soci::i_ok : soci::i_null;
            sql << "INSERT INTO davserver (url, port, type, use_ssl, domain_required, "
                   "user_name) VALUES (:url, :port, :type, :ssl, :required, :user)",
                soci::use(dav.url, "url"), soci::use(dav.port, "port"), soci::use(dav.type, "type"),
                soci::use(use_ssl, "ssl"), soci::use(required, "required"),
                soci::use(dav.user_name ? *dav.user_name : empty, user_ind, "user");
            server_id = last_id(sql, "davserver");
            for (long id : domain_ids) {
                domain_id = id;
                link_dav.execute(true);
            }
        }
    }

    const DbTarget target_;
    const SqlStoreOptions options_;
    const std::string connect_;
    const soci::backend_factory& factory_;
    std::atomic<bool> prepared_{false};
    std::mutex match_mutex_;
    std::string domain_match_ = "lower(d.name) = :d";
    unsigned match_generation_ = 0;
    SessionPool pool_;
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
