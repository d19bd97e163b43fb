// A transaction on one SOCI session that rolls back in its destructor unless committed
// (the SQLiteCpp Transaction idea). Used only inside backends/.
#pragma once

#include <soci/soci.h>

#include "core/db_uri.h"

namespace automx2 {

enum class TxMode {
    read,   // a consistent view for several SELECTs
    write,  // will write: SQLite takes the write lock at once (BEGIN IMMEDIATE) so that
            // two writers serialise instead of failing with SQLITE_BUSY on upgrade
};

class SqlTransaction {
  public:
    // Begins the transaction; throws soci::soci_error when that fails.
    SqlTransaction(soci::session& session, Dialect dialect, TxMode mode)
        : session_(session), dialect_(dialect) {
        if (dialect_ == Dialect::sqlite) {
            session_ << (mode == TxMode::write ? "BEGIN IMMEDIATE" : "BEGIN");
        } else {
            session_.begin();
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
    }

  private:
    soci::session& session_;
    Dialect dialect_;
    bool active_ = true;
};

}  // namespace automx2
