#include "backends/schema_ddl.h"

#include <string>

#include "core/errors.h"

namespace automx2 {
namespace {

// The DDL automx2/SQLAlchemy makes (oauth2, endpoint and endpoint_domain are ours, SPEC
// §16; automx2 ignores them), plus the SQL defaults of SPEC §2 (automx2 sets them
// in Python; reads never rely on them, see domain_query.cpp).
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
    {"oauth2",
     "CREATE TABLE oauth2 (\n"
     "  provider_id INTEGER PRIMARY KEY REFERENCES provider (id),\n"
     "  issuer VARCHAR(255) NOT NULL,\n"
     "  scope VARCHAR(255) NOT NULL,\n"
     "  auth_url VARCHAR(255),\n"
     "  token_url VARCHAR(255),\n"
     "  client_id VARCHAR(255))"},
    {"endpoint",
     "CREATE TABLE endpoint (\n"
     "  id INTEGER PRIMARY KEY,\n"
     "  type VARCHAR(32) NOT NULL,\n"
     "  url VARCHAR(255) NOT NULL)"},
    {"endpoint_domain",
     "CREATE TABLE endpoint_domain (\n"
     "  endpoint_id INTEGER NOT NULL REFERENCES endpoint (id),\n"
     "  domain_id INTEGER NOT NULL REFERENCES domain (id),\n"
     "  PRIMARY KEY (endpoint_id, domain_id))"},
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
    {"ix_endpoint_domain_domain_id",
     "CREATE INDEX IF NOT EXISTS ix_endpoint_domain_domain_id ON endpoint_domain (domain_id)"},
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
    {"oauth2",
     "CREATE TABLE oauth2 (\n"
     "  provider_id INTEGER NOT NULL,\n"
     "  issuer VARCHAR(255) NOT NULL,\n"
     "  scope VARCHAR(255) NOT NULL,\n"
     "  auth_url VARCHAR(255),\n"
     "  token_url VARCHAR(255),\n"
     "  client_id VARCHAR(255),\n"
     "  PRIMARY KEY (provider_id),\n"
     "  FOREIGN KEY (provider_id) REFERENCES provider (id)\n"
     ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"},
    {"endpoint",
     "CREATE TABLE endpoint (\n"
     "  id INTEGER NOT NULL AUTO_INCREMENT,\n"
     "  type VARCHAR(32) NOT NULL,\n"
     "  url VARCHAR(255) NOT NULL,\n"
     "  PRIMARY KEY (id)\n"
     ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"},
    {"endpoint_domain",
     "CREATE TABLE endpoint_domain (\n"
     "  endpoint_id INTEGER NOT NULL,\n"
     "  domain_id INTEGER NOT NULL,\n"
     "  PRIMARY KEY (endpoint_id, domain_id),\n"
     "  FOREIGN KEY (endpoint_id) REFERENCES endpoint (id),\n"
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
    {"oauth2",
     "CREATE TABLE oauth2 (\n"
     "  provider_id INTEGER NOT NULL,\n"
     "  issuer VARCHAR(255) NOT NULL,\n"
     "  scope VARCHAR(255) NOT NULL,\n"
     "  auth_url VARCHAR(255),\n"
     "  token_url VARCHAR(255),\n"
     "  client_id VARCHAR(255),\n"
     "  PRIMARY KEY (provider_id),\n"
     "  FOREIGN KEY (provider_id) REFERENCES provider (id))"},
    {"endpoint",
     "CREATE TABLE endpoint (\n"
     "  id SERIAL NOT NULL,\n"
     "  type VARCHAR(32) NOT NULL,\n"
     "  url VARCHAR(255) NOT NULL,\n"
     "  PRIMARY KEY (id))"},
    {"endpoint_domain",
     "CREATE TABLE endpoint_domain (\n"
     "  endpoint_id INTEGER NOT NULL,\n"
     "  domain_id INTEGER NOT NULL,\n"
     "  PRIMARY KEY (endpoint_id, domain_id),\n"
     "  FOREIGN KEY (endpoint_id) REFERENCES endpoint (id),\n"
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
    {"ix_endpoint_domain_domain_id",
     "CREATE INDEX IF NOT EXISTS ix_endpoint_domain_domain_id ON endpoint_domain (domain_id)"},
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

}  // namespace

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

}  // namespace automx2
