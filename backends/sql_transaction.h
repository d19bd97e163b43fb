// A transaction on one SOCI session that rolls back in its destructor unless committed
// (the SQLiteCpp Transaction idea). Used only inside backends/.
#pragma once

#include <soci/soci.h>

#include <algorithm>
#include <chrono>
#include <string>

#include "core/db_uri.h"

namespace automx2 {

enum class TxMode {
    read,   // a consistent view for several SELECTs
    write,  // will write; writers of every process serialise: SQLite takes the write lock
            // at once (BEGIN IMMEDIATE), PostgreSQL a transaction-scoped advisory lock,
            // MySQL/MariaDB a named lock (GET_LOCK) held until commit or rollback
};

// The advisory lock key of PostgreSQL writers ("automx2" in ASCII).
inline constexpr long long kPostgresqlWriteLock = 0x6175746f6d7832LL;

class SqlTransaction {
  public:
    // Begins the transaction; throws soci::soci_error when that fails, also when a
    // MySQL writer waited `lock_wait` for the named lock in vain (PostgreSQL's wait is
    // bounded by the session's statement_timeout).
    SqlTransaction(soci::session& session, Dialect dialect, TxMode mode,
                   std::chrono::seconds lock_wait = std::chrono::seconds(1))
        : session_(session), dialect_(dialect) {
        if (dialect_ == Dialect::sqlite) {
            session_ << (mode == TxMode::write ? "BEGIN IMMEDIATE" : "BEGIN");
            return;
        }
        if (dialect_ == Dialect::mysql && mode == TxMode::write) {
            // A session-level lock: it survives the implicit commits of DDL.
            int got = 0;
            soci::indicator ind = soci::i_null;
            const int wait = static_cast<int>(std::max<long long>(lock_wait.count(), 1));
            session_ << "SELECT GET_LOCK(CONCAT('automx2:', LEFT(DATABASE(), 48)), :w)",
                soci::into(got, ind), soci::use(wait, "w");
            if (ind != soci::i_ok || got != 1) {
                throw soci::soci_error("timed out waiting for the automx2 write lock");
            }
            named_lock_ = true;
        }
        try {
            session_.begin();
            if (dialect_ == Dialect::postgresql && mode == TxMode::write) {
                session_ << "SELECT pg_advisory_xact_lock(" + std::to_string(kPostgresqlWriteLock) +
                                ")";
            }
        } catch (...) {
            release_named_lock();
            throw;
        }
    }

    SqlTransaction(const SqlTransaction&) = delete;
    SqlTransaction& operator=(const SqlTransaction&) = delete;

    // Never throws: a failed rollback leaves the session to be dropped by its owner.
    ~SqlTransaction() {
        if (active_) {
            try {
                if (dialect_ == Dialect::sqlite) {
                    session_ << "ROLLBACK";
                } else {
                    session_.rollback();
                }
            } catch (...) {
            }
        }
        release_named_lock();
    }

    // When COMMIT fails (SQLite: busy) the transaction is still open and the
    // destructor rolls it back.
    void commit() {
        if (dialect_ == Dialect::sqlite) {
            session_ << "COMMIT";
        } else {
            session_.commit();
        }
        active_ = false;
        release_named_lock();
    }

  private:
    // Never throws: a lost connection releases the lock on the server anyway.
    void release_named_lock() noexcept {
        if (!named_lock_) {
            return;
        }
        named_lock_ = false;
        try {
            int released = 0;
            soci::indicator ind = soci::i_null;
            session_ << "SELECT RELEASE_LOCK(CONCAT('automx2:', LEFT(DATABASE(), 48)))",
                soci::into(released, ind);
        } catch (...) {
        }
    }

    soci::session& session_;
    Dialect dialect_;
    bool active_ = true;
    bool named_lock_ = false;
};

}  // namespace automx2
