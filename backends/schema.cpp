// The per-dialect DDL lives here and only here (PowerDNS keeps schema.<dialect>.sql beside
// each module). A new dialect adds one DialectSchema and one case in schema_for().
#include "backends/schema.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "backends/sql_transaction.h"
#include "core/errors.h"
#include "core/log.h"

namespace automx2 {
namespace {

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
};

// The DDL automx2/SQLAlchemy makes, plus the SQL defaults of SPEC §2 (automx2 sets them
// in Python; reads never rely on them, see sql_store.cpp).
constexpr TableDdl kSqliteTables[] = {
    {"provider",
     "CREATE TABLE provider (\n"
     "  id INTEGER PRIMARY KEY,\n"
     "  name VARCHAR(128) NOT NULL,\n"
     "  short_name VARCHAR(32) NOT NULL)"},
    {"ldapserver",
     "CREATE TABLE ldapserver (\n"
     "  id INTEGER PRIMARY KEY,\n"
     "  name VARCHAR(128) NOT NULL,\n"
     "  port INTEGER NOT NULL,\n"
     "  use_ssl BOOLEAN NOT NULL,\n"
     "  search_base VARCHAR(128) NOT NULL,\n"
     "  search_filter VARCHAR(128) NOT NULL,\n"
     "  attr_uid VARCHAR(32) NOT NULL,\n"
     "  attr_cn VARCHAR(32),\n"
     "  bind_password VARCHAR(128),\n"
     "  bind_user VARCHAR(128))"},
    {"domain",
     "CREATE TABLE domain (\n"
     "  id INTEGER PRIMARY KEY,\n"
     "  name VARCHAR(128) NOT NULL UNIQUE,\n"
     "  provider_id INTEGER NOT NULL REFERENCES provider (id),\n"
     "  ldapserver_id INTEGER REFERENCES ldapserver (id))"},
    {"server",
     "CREATE TABLE server (\n"
     "  id INTEGER PRIMARY KEY,\n"
     "  prio INTEGER NOT NULL DEFAULT 10,\n"
     "  name VARCHAR(128) NOT NULL,\n"
     "  port INTEGER NOT NULL,\n"
     "  type VARCHAR(32) NOT NULL,\n"
     "  socket_type VARCHAR(32) NOT NULL DEFAULT 'STARTTLS',\n"
     "  user_name VARCHAR(64) NOT NULL DEFAULT '%EMAILADDRESS%',\n"
     "  authentication VARCHAR(32) NOT NULL DEFAULT 'plain')"},
    {"server_domain",
     "CREATE TABLE server_domain (\n"
     "  server_id INTEGER NOT NULL REFERENCES server (id),\n"
     "  domain_id INTEGER NOT NULL REFERENCES domain (id),\n"
     "  PRIMARY KEY (server_id, domain_id))"},
    {"davserver",
     "CREATE TABLE davserver (\n"
     "  id INTEGER PRIMARY KEY,\n"
     "  url VARCHAR(128) NOT NULL,\n"
     "  port INTEGER NOT NULL DEFAULT 0,\n"
     "  type VARCHAR(32) NOT NULL,\n"
     "  use_ssl BOOLEAN NOT NULL,\n"
     "  domain_required BOOLEAN NOT NULL,\n"
     "  user_name VARCHAR(64))"},
    {"davserver_domain",
     "CREATE TABLE davserver_domain (\n"
     "  davserver_id INTEGER NOT NULL REFERENCES davserver (id),\n"
     "  domain_id INTEGER NOT NULL REFERENCES domain (id),\n"
     "  PRIMARY KEY (davserver_id, domain_id))"},
};

constexpr ColumnUpgrade kSqliteColumns[] = {
    {"server", "prio", "ALTER TABLE server ADD COLUMN prio INTEGER NOT NULL DEFAULT 10"},
    {"domain", "ldapserver_id",
     "ALTER TABLE domain ADD COLUMN ldapserver_id INTEGER REFERENCES ldapserver (id)"},
};

constexpr IndexDdl kSqliteIndexes[] = {
    // The lookup matches lower(name) = :d: an expression index keeps that a B-tree search.
    {"ix_domain_name_lower",
     "CREATE INDEX IF NOT EXISTS ix_domain_name_lower ON domain (lower(name))"},
    {"ix_domain_provider_id",
     "CREATE INDEX IF NOT EXISTS ix_domain_provider_id ON domain (provider_id)"},
    // The primary keys lead with server_id / davserver_id; lookups go by domain_id.
    {"ix_server_domain_domain_id",
     "CREATE INDEX IF NOT EXISTS ix_server_domain_domain_id ON server_domain (domain_id)"},
    {"ix_davserver_domain_domain_id",
     "CREATE INDEX IF NOT EXISTS ix_davserver_domain_domain_id ON davserver_domain "
     "(domain_id)"},
};

const DialectSchema kSqlite{
    kSqliteTables,
    kSqliteColumns,
    kSqliteIndexes,
    "SELECT name FROM sqlite_master WHERE type = 'table'",
    "SELECT name FROM pragma_table_info(:t)",
    "SELECT name FROM sqlite_master WHERE type = 'index'",
};

const DialectSchema& schema_for(Dialect dialect) {
    switch (dialect) {
        case Dialect::sqlite:
            return kSqlite;
        case Dialect::mysql:
        case Dialect::postgresql:
            break;
    }
    throw ConfigError(std::string("database dialect ") + dialect_name(dialect) +
                      " is not supported by this build");
}

std::string lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

std::set<std::string> query_names(soci::session& session, const char* sql) {
    std::set<std::string> names;
    std::string name;
    soci::statement st = (session.prepare << sql, soci::into(name));
    st.execute();
    while (st.fetch()) {
        names.insert(lower(name));
    }
    return names;
}

std::set<std::string> table_columns(soci::session& session, const DialectSchema& schema,
                                    std::string_view table) {
    std::set<std::string> names;
    std::string name;
    std::string bound(table);
    soci::statement st =
        (session.prepare << schema.list_columns, soci::into(name), soci::use(bound, "t"));
    st.execute();
    while (st.fetch()) {
        names.insert(lower(name));
    }
    return names;
}

// What the database lacks, found without writing anything.
struct Missing {
    std::vector<const TableDdl*> tables;
    std::vector<const ColumnUpgrade*> columns;
    std::vector<const IndexDdl*> indexes;
    bool fresh = false;  // no automx2 table at all: a new database, not an upgrade
    bool any() const { return !tables.empty() || !columns.empty() || !indexes.empty(); }
};

Missing inspect(soci::session& session, const DialectSchema& schema) {
    Missing missing;
    const auto present = query_names(session, schema.list_tables);
    for (const auto& table : schema.tables) {
        if (!present.contains(std::string(table.table))) {
            missing.tables.push_back(&table);
        }
    }
    missing.fresh = missing.tables.size() == schema.tables.size();
    for (const auto& column : schema.columns) {
        if (!present.contains(std::string(column.table))) {
            continue;  // created complete
        }
        if (!table_columns(session, schema, column.table).contains(std::string(column.column))) {
            missing.columns.push_back(&column);
        }
    }
    const auto indexes = query_names(session, schema.list_indexes);
    for (const auto& index : schema.indexes) {
        if (!indexes.contains(std::string(index.name))) {
            missing.indexes.push_back(&index);
        }
    }
    return missing;
}

void apply(soci::session& session, const Missing& missing) {
    for (const auto* table : missing.tables) {
        const std::string message = "creating table " + std::string(table->table);
        if (missing.fresh) {
            log::info("database schema: " + message);
        } else {
            log::warning("upgrading an older automx2 database: " + message);
        }
        session << table->create;
    }
    for (const auto* column : missing.columns) {
        log::warning("upgrading an older automx2 database: adding column " +
                     std::string(column->table) + "." + std::string(column->column));
        session << column->add;
    }
    for (const auto* index : missing.indexes) {
        log::info("database schema: creating index " + std::string(index->name));
        session << index->create;
    }
}

}  // namespace

void apply_schema_changes(soci::session& session, Dialect dialect) {
    const auto& schema = schema_for(dialect);
    const Missing missing = inspect(session, schema);
    if (missing.any()) {
        apply(session, missing);
    }
}

void ensure_schema(soci::session& session, Dialect dialect) {
    const auto& schema = schema_for(dialect);
    if (!inspect(session, schema).any()) {
        return;
    }
    // Looked again under the write lock: another process may have upgraded meanwhile.
    SqlTransaction tx(session, dialect, TxMode::write);
    apply_schema_changes(session, dialect);
    tx.commit();
}

bool schema_present(soci::session& session, Dialect dialect) {
    const auto& schema = schema_for(dialect);
    const auto present = query_names(session, schema.list_tables);
    return std::all_of(schema.tables.begin(), schema.tables.end(),
                       [&](const TableDdl& t) { return present.contains(std::string(t.table)); });
}

}  // namespace automx2
