#include "backends/protocol_writer.h"

#include "backends/sql_writer.h"
#include "core/errors.h"

namespace automx2 {

void ProtocolWriter::check(const DomainPlan& plan) {
    const auto [it, fresh] = wanted_oauth2_.emplace(plan.provider, plan.oauth2);
    if (fresh) {
        named_by_[plan.provider] = plan.name;
    } else if (!same_oauth2(it->second, plan.oauth2)) {
        // oauth2 belongs to the provider: two answers for it would leave one domain wrong.
        throw BadRequest("domain " + plan.name + ": oauth2 differs from the one given for " +
                         named_by_[plan.provider] + " of the same provider " + plan.provider);
    }
}

void ProtocolWriter::unlink(long domain_id) {
    long id = 0;
    soci::statement st =
        (sql_.prepare << "SELECT endpoint_id FROM endpoint_domain WHERE domain_id = :d",
         soci::use(domain_id, "d"), soci::into(id));
    st.execute();
    while (st.fetch()) {
        orphan_endpoints_.insert(id);
    }
    sql_ << "DELETE FROM endpoint_domain WHERE domain_id = :d", soci::use(domain_id, "d");
}

long ProtocolWriter::endpoint_id(const SeedEndpoint& endpoint) {
    const std::string key = endpoint.type + '\x1f' + endpoint.url;
    if (auto it = endpoints_.find(key); it != endpoints_.end()) {
        return it->second;
    }
    long id = 0;
    soci::indicator ind = soci::i_null;
    sql_ << "SELECT id FROM endpoint WHERE type = :type AND url = :url ORDER BY id LIMIT 1",
        soci::use(endpoint.type, "type"), soci::use(endpoint.url, "url"), soci::into(id, ind);
    if (ind != soci::i_ok || !sql_.got_data()) {
        sql_ << "INSERT INTO endpoint (type, url) VALUES (:type, :url)",
            soci::use(endpoint.type, "type"), soci::use(endpoint.url, "url");
        id = dialect_.last_insert_id(sql_, "endpoint");
    }
    endpoints_[key] = id;
    return id;
}

void ProtocolWriter::set_oauth2(long provider_id, const std::optional<OAuth2Row>& oauth2) {
    if (!oauth2_written_.insert(provider_id).second) {
        return;  // check() made every plan of this provider agree
    }
    sql_ << "DELETE FROM oauth2 WHERE provider_id = :p", soci::use(provider_id, "p");
    if (oauth2) {
        write_oauth2(sql_, provider_id, *oauth2);
    }
}

void ProtocolWriter::write(long domain_id, long provider_id, const DomainPlan& plan) {
    std::set<long> linked;
    for (const auto& endpoint : plan.endpoints) {
        long id = endpoint_id(endpoint);
        if (linked.insert(id).second) {
            sql_ << "INSERT INTO endpoint_domain (endpoint_id, domain_id) VALUES (:e, :d)",
                soci::use(id, "e"), soci::use(domain_id, "d");
        }
    }
    set_oauth2(provider_id, plan.oauth2);
}

void delete_unreferenced(soci::session& sql, const std::string& table,
                         const std::string& link_table, const std::string& link_column,
                         const std::set<long>& ids) {
    const std::string statement = "DELETE FROM " + table +
                                  " WHERE id = :id AND NOT EXISTS (SELECT 1 FROM " + link_table +
                                  " l WHERE l." + link_column + " = :id2)";
    for (long id : ids) {
        sql << statement, soci::use(id, "id"), soci::use(id, "id2");
    }
}

void ProtocolWriter::remove_orphans(const std::set<long>& providers) {
    delete_unreferenced(sql_, "endpoint", "endpoint_domain", "endpoint_id", orphan_endpoints_);
    // oauth2 is keyed by its provider: "id" there is provider_id.
    for (long id : providers) {
        sql_ << "DELETE FROM oauth2 WHERE provider_id = :id AND NOT EXISTS (SELECT 1 FROM "
                "domain d WHERE d.provider_id = :id2)",
            soci::use(id, "id"), soci::use(id, "id2");
    }
    orphan_endpoints_.clear();
    endpoints_.clear();
}

}  // namespace automx2
