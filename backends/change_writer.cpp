#include "backends/change_writer.h"

#include <string_view>
#include <vector>

#include "backends/socket_watchdog.h"
#include "core/errors.h"
#include "core/text.h"

namespace automx2 {
namespace {

// Lookup keys of the row caches: fields joined by a separator no value holds.
std::string key_of(std::initializer_list<std::string_view> fields) {
    std::string key;
    for (auto field : fields) {
        key += field;
        key += '\x1f';
    }
    return key;
}

bool etag_matches(std::string_view wanted, const std::string& etag) {
    if (wanted.starts_with("W/")) {
        wanted.remove_prefix(2);  // a weak comparison is enough for If-Match here
    }
    return text::trim(wanted) == etag;
}

}  // namespace

ChangeOutcome ChangeWriter::apply(const ChangeSet& changes) {
    ChangeOutcome outcome;
    for (const auto& ldap : changes.ldap_servers) {
        upsert_ldap(ldap);
    }
    // Providers that can keep their exported ids first: one created without its id must
    // not draw from the sequence an id that a later one brings.
    for (const auto& plan : changes.domains) {
        if (plan.provider_id && !providers_.contains(plan.provider) &&
            !provider_taken(*plan.provider_id)) {
            provider_id(plan.provider, plan.short_name, plan.provider_id);
        }
    }
    std::set<std::string> named;
    for (const auto& plan : changes.domains) {
        SocketWatchdog::progress();  // a large import is bounded per domain, not as a whole
        if (!named.insert(text::to_lower(plan.name)).second) {
            throw BadRequest("domain " + plan.name + " is named more than once");
        }
        protocols_.check(plan);
        const auto current = query_.run(text::to_lower(plan.name));
        check(changes, current, plan.name);
        if (current && same_configuration(plan_of(*current), plan)) {
            outcome.unchanged.push_back(current->domain);
            continue;
        }
        if (plan.ldapserver_id && !ldap_exists(*plan.ldapserver_id)) {
            throw BadRequest("domain " + plan.name + ": unknown ldapserver_id " +
                             std::to_string(*plan.ldapserver_id));
        }
        write_domain(plan, current ? std::optional<long>(current->domain_id) : std::nullopt);
        (current ? outcome.replaced : outcome.created)
            .push_back(current ? current->domain : plan.name);
    }
    for (const auto& name : changes.removals) {
        const auto current = query_.run(text::to_lower(name));
        if (!current) {
            outcome.missing.push_back(name);
            continue;
        }
        check(changes, current, name);
        delete_domain(current->domain_id);
        outcome.removed.push_back(current->domain);
    }
    if (changes.prune) {
        std::vector<std::pair<long, std::string>> doomed;
        long id = 0;
        std::string name;
        soci::statement st = (sql_.prepare << "SELECT id, name FROM domain ORDER BY name",
                              soci::into(id), soci::into(name));
        st.execute();
        while (st.fetch()) {
            if (!named.contains(text::to_lower(name))) {
                doomed.emplace_back(id, name);
            }
        }
        for (const auto& [doomed_id, doomed_name] : doomed) {
            delete_domain(doomed_id);
            outcome.removed.push_back(doomed_name);
        }
    }
    remove_orphans();
    return outcome;
}

void ChangeWriter::check(const ChangeSet& changes, const std::optional<DomainRecord>& current,
                         const std::string& name) {
    if (!changes.if_match) {
        return;
    }
    const std::string_view wanted = text::trim(*changes.if_match);
    if (!current || (wanted != "*" && !etag_matches(wanted, domain_etag(*current)))) {
        throw PreconditionFailed("domain " + name + " is not in the state named by If-Match");
    }
}

bool ChangeWriter::provider_taken(long id) {
    long n = 0;
    sql_ << "SELECT COUNT(*) FROM provider WHERE id = :id", soci::use(id, "id"), soci::into(n);
    return n > 0;
}

bool ChangeWriter::ldap_exists(long id) {
    long n = 0;
    sql_ << "SELECT COUNT(*) FROM ldapserver WHERE id = :id", soci::use(id, "id"), soci::into(n);
    return n > 0;
}

void ChangeWriter::upsert_ldap(const SeedLdapServer& ldap) {
    const int use_ssl = ldap.use_ssl ? 1 : 0;
    const std::string empty;
    soci::indicator cn_ind = ldap.attr_cn ? soci::i_ok : soci::i_null;
    soci::indicator user_ind = ldap.bind_user ? soci::i_ok : soci::i_null;
    soci::indicator password_ind = ldap.bind_password ? soci::i_ok : soci::i_null;
    const bool exists = ldap_exists(ldap.id);
    // An export names no password: the stored one stays unless a new one is given.
    std::string sql =
        exists ? "UPDATE ldapserver SET name = :name, port = :port, use_ssl = "
                 ":use_ssl, search_base = :base, search_filter = :filter, "
                 "attr_uid = :uid, attr_cn = :cn, bind_user = :user" +
                     std::string(ldap.bind_password ? ", bind_password = :password" : "") +
                     " WHERE id = :id"
               : "INSERT INTO ldapserver (id, name, port, use_ssl, search_base, "
                 "search_filter, attr_uid, attr_cn, bind_user, bind_password) "
                 "VALUES (:id, :name, :port, :use_ssl, :base, :filter, :uid, :cn, "
                 ":user, :password)";
    soci::statement st(sql_);
    st.alloc();
    st.prepare(sql);
    st.exchange(soci::use(ldap.name, "name"));
    st.exchange(soci::use(ldap.port, "port"));
    st.exchange(soci::use(use_ssl, "use_ssl"));
    st.exchange(soci::use(ldap.search_base, "base"));
    st.exchange(soci::use(ldap.search_filter, "filter"));
    st.exchange(soci::use(ldap.attr_uid, "uid"));
    st.exchange(soci::use(ldap.attr_cn ? *ldap.attr_cn : empty, cn_ind, "cn"));
    st.exchange(soci::use(ldap.bind_user ? *ldap.bind_user : empty, user_ind, "user"));
    if (!exists || ldap.bind_password) {
        st.exchange(
            soci::use(ldap.bind_password ? *ldap.bind_password : empty, password_ind, "password"));
    }
    st.exchange(soci::use(ldap.id, "id"));
    st.define_and_bind();
    st.execute(true);
}

long ChangeWriter::provider_id(const std::string& name, const std::string& short_name,
                               std::optional<long> wanted_id) {
    if (auto it = providers_.find(name); it != providers_.end()) {
        return it->second;
    }
    long id = 0;
    std::string stored_short;
    soci::indicator ind = soci::i_null;
    sql_ << "SELECT id, short_name FROM provider WHERE name = :n ORDER BY id LIMIT 1",
        soci::use(name, "n"), soci::into(id, ind), soci::into(stored_short);
    if (ind == soci::i_ok && sql_.got_data()) {
        if (stored_short != short_name) {
            sql_ << "UPDATE provider SET short_name = :s WHERE id = :id",
                soci::use(short_name, "s"), soci::use(id, "id");
        }
    } else if (wanted_id && !provider_taken(*wanted_id)) {
        id = *wanted_id;
        sql_ << "INSERT INTO provider (id, name, short_name) VALUES (:id, :name, :short)",
            soci::use(id, "id"), soci::use(name, "name"), soci::use(short_name, "short");
        dialect_.ids_written(sql_, "provider");  // before the next INSERT draws an id
    } else {
        sql_ << "INSERT INTO provider (name, short_name) VALUES (:name, :short)",
            soci::use(name, "name"), soci::use(short_name, "short");
        id = dialect_.last_insert_id(sql_, "provider");
    }
    providers_[name] = id;
    return id;
}

long ChangeWriter::server_id(const SeedMailServer& s) {
    const std::string key = key_of({std::to_string(s.prio), s.name, std::to_string(s.port), s.type,
                                    s.socket_type, s.user_name, s.authentication});
    if (auto it = servers_.find(key); it != servers_.end()) {
        return it->second;
    }
    long id = 0;
    soci::indicator ind = soci::i_null;
    sql_ << "SELECT id FROM server WHERE prio = :prio AND name = :name AND port = :port AND "
            "type = :type AND socket_type = :socket AND user_name = :user AND authentication = "
            ":auth ORDER BY id LIMIT 1",
        soci::use(s.prio, "prio"), soci::use(s.name, "name"), soci::use(s.port, "port"),
        soci::use(s.type, "type"), soci::use(s.socket_type, "socket"),
        soci::use(s.user_name, "user"), soci::use(s.authentication, "auth"), soci::into(id, ind);
    if (ind != soci::i_ok || !sql_.got_data()) {
        sql_ << "INSERT INTO server (prio, name, port, type, socket_type, user_name, "
                "authentication) VALUES (:prio, :name, :port, :type, :socket, :user, :auth)",
            soci::use(s.prio, "prio"), soci::use(s.name, "name"), soci::use(s.port, "port"),
            soci::use(s.type, "type"), soci::use(s.socket_type, "socket"),
            soci::use(s.user_name, "user"), soci::use(s.authentication, "auth");
        id = dialect_.last_insert_id(sql_, "server");
    }
    servers_[key] = id;
    return id;
}

long ChangeWriter::dav_server_id(const SeedDavServer& s) {
    const int use_ssl = s.use_ssl ? 1 : 0;
    const int required = s.domain_required ? 1 : 0;
    const std::string key =
        key_of({s.type, s.url, std::to_string(s.port), std::to_string(use_ssl),
                std::to_string(required), s.user_name ? "=" : "-", s.user_name.value_or("")});
    if (auto it = dav_servers_.find(key); it != dav_servers_.end()) {
        return it->second;
    }
    long id = 0;
    soci::indicator ind = soci::i_null;
    const std::string user = s.user_name.value_or("");
    // Booleans through CASE: one comparison for SQLite's and MySQL's integers and
    // PostgreSQL's BOOLEAN.
    const std::string select =
        "SELECT id FROM davserver WHERE type = :type AND url = :url AND port = :port AND "
        "(CASE WHEN use_ssl THEN 1 ELSE 0 END) = :ssl AND (CASE WHEN domain_required THEN 1 "
        "ELSE 0 END) = :required AND " +
        std::string(s.user_name ? "user_name = :user" : "user_name IS NULL") +
        " ORDER BY id LIMIT 1";
    if (s.user_name) {
        sql_ << select, soci::use(s.type, "type"), soci::use(s.url, "url"),
            soci::use(s.port, "port"), soci::use(use_ssl, "ssl"), soci::use(required, "required"),
            soci::use(user, "user"), soci::into(id, ind);
    } else {
        sql_ << select, soci::use(s.type, "type"), soci::use(s.url, "url"),
            soci::use(s.port, "port"), soci::use(use_ssl, "ssl"), soci::use(required, "required"),
            soci::into(id, ind);
    }
    if (ind != soci::i_ok || !sql_.got_data()) {
        soci::indicator user_ind = s.user_name ? soci::i_ok : soci::i_null;
        sql_ << "INSERT INTO davserver (url, port, type, use_ssl, domain_required, user_name) "
                "VALUES (:url, :port, :type, :ssl, :required, :user)",
            soci::use(s.url, "url"), soci::use(s.port, "port"), soci::use(s.type, "type"),
            soci::use(use_ssl, "ssl"), soci::use(required, "required"),
            soci::use(user, user_ind, "user");
        id = dialect_.last_insert_id(sql_, "davserver");
    }
    dav_servers_[key] = id;
    return id;
}

// Remembers the rows the domain used: they may be orphans once it no longer does.
void ChangeWriter::unlink(long domain_id) {
    long id = 0;
    {
        soci::statement st =
            (sql_.prepare << "SELECT server_id FROM server_domain WHERE domain_id = :d",
             soci::use(domain_id, "d"), soci::into(id));
        st.execute();
        while (st.fetch()) {
            orphan_servers_.insert(id);
        }
    }
    {
        soci::statement st =
            (sql_.prepare << "SELECT davserver_id FROM davserver_domain WHERE domain_id = :d",
             soci::use(domain_id, "d"), soci::into(id));
        st.execute();
        while (st.fetch()) {
            orphan_dav_servers_.insert(id);
        }
    }
    sql_ << "SELECT provider_id FROM domain WHERE id = :d", soci::use(domain_id, "d"),
        soci::into(id);
    orphan_providers_.insert(id);
    sql_ << "DELETE FROM server_domain WHERE domain_id = :d", soci::use(domain_id, "d");
    sql_ << "DELETE FROM davserver_domain WHERE domain_id = :d", soci::use(domain_id, "d");
    protocols_.unlink(domain_id);
}

void ChangeWriter::delete_domain(long domain_id) {
    unlink(domain_id);
    sql_ << "DELETE FROM domain WHERE id = :d", soci::use(domain_id, "d");
}

void ChangeWriter::write_domain(const DomainPlan& plan, std::optional<long> existing) {
    const long provider = provider_id(plan.provider, plan.short_name, plan.provider_id);
    long ldap_id = plan.ldapserver_id.value_or(0);
    soci::indicator ldap_ind = plan.ldapserver_id ? soci::i_ok : soci::i_null;
    long domain_id = 0;
    if (existing) {
        domain_id = *existing;
        unlink(domain_id);
        sql_ << "UPDATE domain SET provider_id = :p, ldapserver_id = :l WHERE id = :d",
            soci::use(provider, "p"), soci::use(ldap_id, ldap_ind, "l"), soci::use(domain_id, "d");
    } else {
        sql_ << "INSERT INTO domain (name, provider_id, ldapserver_id) VALUES (:n, :p, :l)",
            soci::use(plan.name, "n"), soci::use(provider, "p"), soci::use(ldap_id, ldap_ind, "l");
        domain_id = dialect_.last_insert_id(sql_, "domain");
    }
    DomainPlan wanted = plan;
    canonicalise(wanted);  // no duplicate links
    std::set<long> linked;
    for (const auto& server : wanted.servers) {
        long id = server_id(server);
        if (linked.insert(id).second) {
            sql_ << "INSERT INTO server_domain (server_id, domain_id) VALUES (:s, :d)",
                soci::use(id, "s"), soci::use(domain_id, "d");
        }
    }
    linked.clear();
    for (const auto& dav : wanted.dav_servers) {
        long id = dav_server_id(dav);
        if (linked.insert(id).second) {
            sql_ << "INSERT INTO davserver_domain (davserver_id, domain_id) VALUES (:s, :d)",
                soci::use(id, "s"), soci::use(domain_id, "d");
        }
    }
    protocols_.write(domain_id, provider, wanted);
}

void ChangeWriter::remove_orphans() {
    delete_unreferenced(sql_, "server", "server_domain", "server_id", orphan_servers_);
    delete_unreferenced(sql_, "davserver", "davserver_domain", "davserver_id", orphan_dav_servers_);
    protocols_.remove_orphans(orphan_providers_);
    delete_unreferenced(sql_, "provider", "domain", "provider_id", orphan_providers_);
    // Removed rows may be named in the caches no longer.
    servers_.clear(), dav_servers_.clear(), providers_.clear();
}

}  // namespace automx2
