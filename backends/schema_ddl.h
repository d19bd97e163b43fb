// The per-dialect DDL, as data (PowerDNS keeps schema.<dialect>.sql beside each
// module). A new dialect adds one DialectSchema in schema_ddl.cpp and one case in
// schema_for(). Used by backends/schema.cpp only.
#pragma once

#include <span>
#include <string_view>

#include "core/db_uri.h"

namespace automx2 {

struct TableDdl {
    std::string_view table;
    const char* create;
};

// Columns that older automx2 databases lack: server.prio (2020), domain.ldapserver_id.
struct ColumnUpgrade {
    std::string_view table;
    std::string_view column;
    const char* add;
};

// Indexes the lookup needs at a million domains; automx2 itself creates none of them.
struct IndexDdl {
    std::string_view name;
    const char* create;
};

struct DialectSchema {
    std::span<const TableDdl> tables;  // in kAutomx2Tables order
    std::span<const ColumnUpgrade> columns;
    std::span<const IndexDdl> indexes;
    const char* list_tables;   // one column: table name
    const char* list_columns;  // one column: column name; binds :t (table)
    const char* list_indexes;  // one column: index name
    // False where DDL commits implicitly (MySQL/MariaDB): each step must then be safe to
    // repeat, and a failed upgrade is finished by the next start-up.
    bool transactional_ddl;
};

// ConfigError for a dialect whose schema is not built in.
const DialectSchema& schema_for(Dialect dialect);

}  // namespace automx2
