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
    // False where DDL commits implicitly (MySQL/MariaDB): each step must then be safe to
    // repeat, and a failed upgrade is finished by the next start-up.
    bool transactional_ddl;
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
    true,
};

// MySQL/MariaDB as SQLAlchemy creates automx2's tables there: InnoDB, utf8mb4, BOOL is
// tinyint(1). `domain`, `server`, `type`, `name` and `port` are not reserved words in
// MariaDB or MySQL, so nothing needs backticks.
constexpr TableDdl kMysqlTables[] = {
    {"provider",
     "CREATE TABLE provider (\n"
     "  id INTEGER NOT NULL AUTO_INCREMENT,\n"
     "  name VARCHAR(128) NOT NULL,\n"
     "  short_name VARCHAR(32) NOT NULL,\n"
     "  PRIMARY KEY (id)\n"
     ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"},
    {"ldapserver",
     "CREATE TABLE ldapserver (\n"
     "  id INTEGER NOT NULL AUTO_INCREMENT,\n"
     "  name VARCHAR(128) NOT NULL,\n"
     "  port INTEGER NOT NULL,\n"
     "  use_ssl BOOL NOT NULL,\n"
     "  search_base VARCHAR(128) NOT NULL,\n"
     "  search_filter VARCHAR(128) NOT NULL,\n"
     "  attr_uid VARCHAR(32) NOT NULL,\n"
     "  attr_cn VARCHAR(32),\n"
     "  bind_password VARCHAR(128),\n"
     "  bind_user VARCHAR(128),\n"
     "  PRIMARY KEY (id)\n"
     ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"},
    {"domain",
     "CREATE TABLE domain (\n"
     "  id INTEGER NOT NULL AUTO_INCREMENT,\n"
     "  name VARCHAR(128) NOT NULL,\n"
     "  provider_id INTEGER NOT NULL,\n"
     "  ldapserver_id INTEGER,\n"
     "  PRIMARY KEY (id),\n"
     "  UNIQUE (name),\n"
     "  FOREIGN KEY (provider_id) REFERENCES provider (id),\n"
     "  FOREIGN KEY (ldapserver_id) REFERENCES ldapserver (id)\n"
     ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"},
    {"server",
     "CREATE TABLE server (\n"
     "  id INTEGER NOT NULL AUTO_INCREMENT,\n"
     "  prio INTEGER NOT NULL DEFAULT 10,\n"
     "  name VARCHAR(128) NOT NULL,\n"
     "  port INTEGER NOT NULL,\n"
     "  type VARCHAR(32) NOT NULL,\n"
     "  socket_type VARCHAR(32) NOT NULL DEFAULT 'STARTTLS',\n"
     "  user_name VARCHAR(64) NOT NULL DEFAULT '%EMAILADDRESS%',\n"
     "  authentication VARCHAR(32) NOT NULL DEFAULT 'plain',\n"
     "  PRIMARY KEY (id)\n"
     ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"},
    {"server_domain",
     "CREATE TABLE server_domain (\n"
     "  server_id INTEGER NOT NULL,\n"
     "  domain_id INTEGER NOT NULL,\n"
     "  PRIMARY KEY (server_id, domain_id),\n"
     "  FOREIGN KEY (server_id) REFERENCES server (id),\n"
     "  FOREIGN KEY (domain_id) REFERENCES domain (id)\n"
     ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"},
    {"davserver",
     "CREATE TABLE davserver (\n"
     "  id INTEGER NOT NULL AUTO_INCREMENT,\n"
     "  url VARCHAR(128) NOT NULL,\n"
     "  port INTEGER NOT NULL DEFAULT 0,\n"
     "  type VARCHAR(32) NOT NULL,\n"
     "  use_ssl BOOL NOT NULL,\n"
     "  domain_required BOOL NOT NULL,\n"
     "  user_name VARCHAR(64),\n"
     "  PRIMARY KEY (id)\n"
     ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"},
    {"davserver_domain",
     "CREATE TABLE davserver_domain (\n"
     "  davserver_id INTEGER NOT NULL,\n"
     "  domain_id INTEGER NOT NULL,\n"
     "  PRIMARY KEY (davserver_id, domain_id),\n"
     "  FOREIGN KEY (davserver_id) REFERENCES davserver (id),\n"
     "  FOREIGN KEY (domain_id) REFERENCES domain (id)\n"
     ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"},
};

// No foreign key here: an old table may use MyISAM, where InnoDB's constraint would fail.
constexpr ColumnUpgrade kMysqlColumns[] = {
    {"server", "prio", "ALTER TABLE server ADD COLUMN prio INTEGER NOT NULL DEFAULT 10"},
    {"domain", "ldapserver_id", "ALTER TABLE domain ADD COLUMN ldapserver_id INTEGER NULL"},
};

// None: InnoDB indexes every foreign key column itself, UNIQUE (name) serves the lookup
// (see domain_match), and MariaDB has no expression indexes.
constexpr std::span<const IndexDdl> kMysqlIndexes{};

const DialectSchema kMysql{
    kMysqlTables,
    kMysqlColumns,
    kMysqlIndexes,
    "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()",
    "SELECT column_name FROM information_schema.columns "
    "WHERE table_schema = DATABASE() AND table_name = :t",
    "SELECT DISTINCT index_name FROM information_schema.statistics "
    "WHERE table_schema = DATABASE()",
    false,
};

// PostgreSQL as SQLAlchemy creates automx2's tables there: SERIAL ids, BOOLEAN.
constexpr TableDdl kPostgresqlTables[] = {
    {"provider",
     "CREATE TABLE provider (\n"
     "  id SERIAL NOT NULL,\n"
     "  name VARCHAR(128) NOT NULL,\n"
     "  short_name VARCHAR(32) NOT NULL,\n"
     "  PRIMARY KEY (id))"},
    {"ldapserver",
     "CREATE TABLE ldapserver (\n"
     "  id SERIAL NOT NULL,\n"
     "  name VARCHAR(128) NOT NULL,\n"
     "  port INTEGER NOT NULL,\n"
     "  use_ssl BOOLEAN NOT NULL,\n"
     "  search_base VARCHAR(128) NOT NULL,\n"
     "  search_filter VARCHAR(128) NOT NULL,\n"
     "  attr_uid VARCHAR(32) NOT NULL,\n"
     "  attr_cn VARCHAR(32),\n"
     "  bind_password VARCHAR(128),\n"
     "  bind_user VARCHAR(128),\n"
     "  PRIMARY KEY (id))"},
    {"domain",
     "CREATE TABLE domain (\n"
     "  id SERIAL NOT NULL,\n"
     "  name VARCHAR(128) NOT NULL,\n"
     "  provider_id INTEGER NOT NULL,\n"
     "  ldapserver_id INTEGER,\n"
     "  PRIMARY KEY (id),\n"
     "  UNIQUE (name),\n"
     "  FOREIGN KEY (provider_id) REFERENCES provider (id),\n"
     "  FOREIGN KEY (ldapserver_id) REFERENCES ldapserver (id))"},
    {"server",
     "CREATE TABLE server (\n"
     "  id SERIAL NOT NULL,\n"
     "  prio INTEGER NOT NULL DEFAULT 10,\n"
     "  name VARCHAR(128) NOT NULL,\n"
     "  port INTEGER NOT NULL,\n"
     "  type VARCHAR(32) NOT NULL,\n"
     "  socket_type VARCHAR(32) NOT NULL DEFAULT 'STARTTLS',\n"
     "  user_name VARCHAR(64) NOT NULL DEFAULT '%EMAILADDRESS%',\n"
     "  authentication VARCHAR(32) NOT NULL DEFAULT 'plain',\n"
     "  PRIMARY KEY (id))"},
    {"server_domain",
     "CREATE TABLE server_domain (\n"
     "  server_id INTEGER NOT NULL,\n"
     "  domain_id INTEGER NOT NULL,\n"
     "  PRIMARY KEY (server_id, domain_id),\n"
     "  FOREIGN KEY (server_id) REFERENCES server (id),\n"
     "  FOREIGN KEY (domain_id) REFERENCES domain (id))"},
    {"davserver",
     "CREATE TABLE davserver (\n"
     "  id SERIAL NOT NULL,\n"
     "  url VARCHAR(128) NOT NULL,\n"
     "  port INTEGER NOT NULL DEFAULT 0,\n"
     "  type VARCHAR(32) NOT NULL,\n"
     "  use_ssl BOOLEAN NOT NULL,\n"
     "  domain_required BOOLEAN NOT NULL,\n"
     "  user_name VARCHAR(64),\n"
     "  PRIMARY KEY (id))"},
    {"davserver_domain",
     "CREATE TABLE davserver_domain (\n"
     "  davserver_id INTEGER NOT NULL,\n"
     "  domain_id INTEGER NOT NULL,\n"
     "  PRIMARY KEY (davserver_id, domain_id),\n"
     "  FOREIGN KEY (davserver_id) REFERENCES davserver (id),\n"
     "  FOREIGN KEY (domain_id) REFERENCES domain (id))"},
};

constexpr ColumnUpgrade kPostgresqlColumns[] = {
    {"server", "prio", "ALTER TABLE server ADD COLUMN prio INTEGER NOT NULL DEFAULT 10"},
    {"domain", "ldapserver_id",
     "ALTER TABLE domain ADD COLUMN ldapserver_id INTEGER REFERENCES ldapserver (id)"},
};

constexpr IndexDdl kPostgresqlIndexes[] = {
    // PostgreSQL compares exactly: lower(name) = :d with this index stays a B-tree search.
    {"ix_domain_name_lower",
     "CREATE INDEX IF NOT EXISTS ix_domain_name_lower ON domain (lower(name))"},
    // PostgreSQL does not index foreign key columns by itself.
    {"ix_domain_provider_id",
     "CREATE INDEX IF NOT EXISTS ix_domain_provider_id ON domain (provider_id)"},
    {"ix_server_domain_domain_id",
     "CREATE INDEX IF NOT EXISTS ix_server_domain_domain_id ON server_domain (domain_id)"},
    {"ix_davserver_domain_domain_id",
     "CREATE INDEX IF NOT EXISTS ix_davserver_domain_domain_id ON davserver_domain "
     "(domain_id)"},
};

const DialectSchema kPostgresql{
    kPostgresqlTables,
    kPostgresqlColumns,
    kPostgresqlIndexes,
    "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()",
    "SELECT column_name FROM information_schema.columns "
    "WHERE table_schema = current_schema() AND table_name = :t",
    "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()",
    true,
};

const DialectSchema& schema_for(Dialect dialect) {
    switch (dialect) {
        case Dialect::sqlite:
            return kSqlite;
        case Dialect::mysql:
            return kMysql;
        case Dialect::postgresql:
            return kPostgresql;
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

void ensure_schema(soci::session& session, Dialect dialect, std::chrono::seconds lock_wait) {
    const auto& schema = schema_for(dialect);
    if (!inspect(session, schema).any()) {
        return;
    }
    // Looked again under the write lock: another process may have upgraded meanwhile.
    // MySQL/MariaDB commit each DDL statement implicitly, so there the transaction only
    // carries the named lock; a step that failed half-way is found missing and done
    // again next time.
    SqlTransaction tx(session, dialect, TxMode::write, lock_wait);
    apply_schema_changes(session, dialect);
    tx.commit();
}

bool transactional_ddl(Dialect dialect) {
    return schema_for(dialect).transactional_ddl;
}

std::string domain_match(soci::session& session, Dialect dialect) {
    if (dialect != Dialect::mysql) {
        return "lower(d.name) = :d";
    }
    std::string collation;
    soci::indicator ind = soci::i_null;
    session << "SELECT collation_name FROM information_schema.columns "
               "WHERE table_schema = DATABASE() AND table_name = 'domain' "
               "AND column_name = 'name'",
        soci::into(collation, ind);
    if (session.got_data() && ind == soci::i_ok && lower(collation).ends_with("_ci")) {
        return "d.name = :d";
    }
    log::warning("database: domain.name has the case-sensitive collation " +
                 (ind == soci::i_ok ? collation : std::string("(unknown)")) +
                 "; matching with lower(), which cannot use the index");
    return "lower(d.name) = :d";
}

std::vector<std::string> create_table_statements(Dialect dialect) {
    std::vector<std::string> out;
    for (const auto& table : schema_for(dialect).tables) {
        out.emplace_back(table.create);
    }
    return out;
}

bool schema_present(soci::session& session, Dialect dialect) {
    const auto& schema = schema_for(dialect);
    const auto present = query_names(session, schema.list_tables);
    return std::all_of(schema.tables.begin(), schema.tables.end(),
                       [&](const TableDdl& t) { return present.contains(std::string(t.table)); });
}

}  // namespace automx2
