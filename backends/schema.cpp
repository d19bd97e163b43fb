// Inspecting and upgrading the automx2 schema; the DDL itself is in schema_ddl.cpp.
#include "backends/schema.h"

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "backends/schema_ddl.h"
#include "backends/sql_transaction.h"
#include "core/errors.h"
#include "core/log.h"
#include "core/text.h"

namespace automx2 {
namespace {

std::set<std::string> query_names(soci::session& session, const char* sql) {
    std::set<std::string> names;
    std::string name;
    soci::statement st = (session.prepare << sql, soci::into(name));
    st.execute();
    while (st.fetch()) {
        names.insert(text::to_lower(name));
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
        names.insert(text::to_lower(name));
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
    if (session.got_data() && ind == soci::i_ok && text::to_lower(collation).ends_with("_ci")) {
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
