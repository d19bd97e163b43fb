#include "backends/sql_writer.h"

#include <set>
#include <string>

#include "backends/schema.h"
#include "core/errors.h"

namespace automx2 {

long SqlWriter::count(std::string_view table) {
    long n = 0;
    sql_ << "SELECT COUNT(*) FROM " + std::string(table), soci::into(n);
    return n;
}

std::vector<long> SqlWriter::ldap_server_ids() {
    std::vector<long> ids;
    long id = 0;
    soci::statement st = (sql_.prepare << "SELECT id FROM ldapserver ORDER BY id", soci::into(id));
    st.execute();
    while (st.fetch()) {
        ids.push_back(id);
    }
    return ids;
}

void SqlWriter::load_seed(const Seed& seed) {
    const auto stored = ldap_server_ids();
    std::set<long> ldap_ids(stored.begin(), stored.end());
    for (const auto& ldap : seed.ldap_servers) {
        if (!ldap_ids.insert(ldap.id).second) {
            throw BadRequest("ldapservers: id " + std::to_string(ldap.id) + " already exists");
        }
    }
    // Checked here, under the write lock, as well as by parse_seed: a server may have
    // gone since the seed was validated.
    for (const auto& provider : seed.providers) {
        for (const auto& domain : provider.domains) {
            if (domain.ldapserver_id && !ldap_ids.contains(*domain.ldapserver_id)) {
                throw BadRequest("domain " + domain.name + ": unknown ldapserver_id " +
                                 std::to_string(*domain.ldapserver_id));
            }
        }
    }
    for (const auto& ldap : seed.ldap_servers) {
        insert_ldap(ldap);
    }
    for (const auto& provider : seed.providers) {
        insert_provider(provider);
    }
}

void SqlWriter::delete_all() {
    for (auto it = kAutomx2Tables.rbegin(); it != kAutomx2Tables.rend(); ++it) {
        sql_ << "DELETE FROM " + std::string(*it);
    }
}

void SqlWriter::insert_ldap(const SeedLdapServer& ldap) {
    const int use_ssl = ldap.use_ssl ? 1 : 0;
    const std::string empty;
    soci::indicator cn_ind = ldap.attr_cn ? soci::i_ok : soci::i_null;
    soci::indicator user_ind = ldap.bind_user ? soci::i_ok : soci::i_null;
    soci::indicator password_ind = ldap.bind_password ? soci::i_ok : soci::i_null;
    sql_ << "INSERT INTO ldapserver (id, name, port, use_ssl, search_base, search_filter, "
            "attr_uid, attr_cn, bind_user, bind_password) VALUES (:id, :name, :port, "
            ":use_ssl, :base, :filter, :uid, :cn, :user, :password)",
        soci::use(ldap.id, "id"), soci::use(ldap.name, "name"), soci::use(ldap.port, "port"),
        soci::use(use_ssl, "use_ssl"), soci::use(ldap.search_base, "base"),
        soci::use(ldap.search_filter, "filter"), soci::use(ldap.attr_uid, "uid"),
        soci::use(ldap.attr_cn ? *ldap.attr_cn : empty, cn_ind, "cn"),
        soci::use(ldap.bind_user ? *ldap.bind_user : empty, user_ind, "user"),
        soci::use(ldap.bind_password ? *ldap.bind_password : empty, password_ind, "password");
}

std::vector<long> SqlWriter::insert_domains(const SeedProvider& provider, long provider_id) {
    std::vector<long> domain_ids;
    std::string name;
    long ldap_id = 0;
    soci::indicator ldap_ind = soci::i_null;
    soci::statement st = (sql_.prepare << "INSERT INTO domain (name, provider_id, ldapserver_id) "
                                          "VALUES (:name, :provider, :ldap)",
                          soci::use(name, "name"), soci::use(provider_id, "provider"),
                          soci::use(ldap_id, ldap_ind, "ldap"));
    for (const auto& domain : provider.domains) {
        name = domain.name;
        ldap_id = domain.ldapserver_id.value_or(0);
        ldap_ind = domain.ldapserver_id ? soci::i_ok : soci::i_null;
        st.execute(true);
        domain_ids.push_back(dialect_.last_insert_id(sql_, "domain"));
    }
    return domain_ids;
}

void SqlWriter::insert_provider(const SeedProvider& provider) {
    sql_ << "INSERT INTO provider (name, short_name) VALUES (:name, :short)",
        soci::use(provider.name, "name"), soci::use(provider.short_name, "short");
    const long provider_id = dialect_.last_insert_id(sql_, "provider");
    const std::vector<long> domain_ids = insert_domains(provider, provider_id);

    long server_id = 0, domain_id = 0;
    soci::statement link_server =
        (sql_.prepare << "INSERT INTO server_domain (server_id, domain_id) VALUES (:s, :d)",
         soci::use(server_id, "s"), soci::use(domain_id, "d"));
    for (const auto& server : provider.servers) {
        sql_ << "INSERT INTO server (prio, name, port, type, socket_type, user_name, "
                "authentication) VALUES (:prio, :name, :port, :type, :socket, :user, :auth)",
            soci::use(server.prio, "prio"), soci::use(server.name, "name"),
            soci::use(server.port, "port"), soci::use(server.type, "type"),
            soci::use(server.socket_type, "socket"), soci::use(server.user_name, "user"),
            soci::use(server.authentication, "auth");
        server_id = dialect_.last_insert_id(sql_, "server");
        for (long id : domain_ids) {
            domain_id = id;
            link_server.execute(true);
        }
    }

    soci::statement link_dav =
        (sql_.prepare << "INSERT INTO davserver_domain (davserver_id, domain_id) VALUES (:s, :d)",
         soci::use(server_id, "s"), soci::use(domain_id, "d"));
    for (const auto& dav : provider.dav_servers) {
        const int use_ssl = dav.use_ssl ? 1 : 0;
        const int required = dav.domain_required ? 1 : 0;
        const std::string empty;
        soci::indicator user_ind = dav.user_name ? soci::i_ok : soci::i_null;
        sql_ << "INSERT INTO davserver (url, port, type, use_ssl, domain_required, user_name) "
                "VALUES (:url, :port, :type, :ssl, :required, :user)",
            soci::use(dav.url, "url"), soci::use(dav.port, "port"), soci::use(dav.type, "type"),
            soci::use(use_ssl, "ssl"), soci::use(required, "required"),
            soci::use(dav.user_name ? *dav.user_name : empty, user_ind, "user");
        server_id = dialect_.last_insert_id(sql_, "davserver");
        for (long id : domain_ids) {
            domain_id = id;
            link_dav.execute(true);
        }
    }

    soci::statement link_endpoint =
        (sql_.prepare << "INSERT INTO endpoint_domain (endpoint_id, domain_id) VALUES (:s, :d)",
         soci::use(server_id, "s"), soci::use(domain_id, "d"));
    for (const auto& endpoint : provider.endpoints) {
        sql_ << "INSERT INTO endpoint (type, url) VALUES (:type, :url)",
            soci::use(endpoint.type, "type"), soci::use(endpoint.url, "url");
        server_id = dialect_.last_insert_id(sql_, "endpoint");
        for (long id : domain_ids) {
            domain_id = id;
            link_endpoint.execute(true);
        }
    }
    if (provider.oauth2) {
        write_oauth2(sql_, provider_id, *provider.oauth2);
    }
}

void write_oauth2(soci::session& sql, long provider_id, const OAuth2Row& oauth2) {
    const std::string empty;
    soci::indicator auth_ind = oauth2.auth_url ? soci::i_ok : soci::i_null;
    soci::indicator token_ind = oauth2.token_url ? soci::i_ok : soci::i_null;
    soci::indicator client_ind = oauth2.client_id ? soci::i_ok : soci::i_null;
    sql << "INSERT INTO oauth2 (provider_id, issuer, scope, auth_url, token_url, client_id) "
           "VALUES (:p, :issuer, :scope, :auth, :token, :client)",
        soci::use(provider_id, "p"), soci::use(oauth2.issuer, "issuer"),
        soci::use(oauth2.scope, "scope"),
        soci::use(oauth2.auth_url ? *oauth2.auth_url : empty, auth_ind, "auth"),
        soci::use(oauth2.token_url ? *oauth2.token_url : empty, token_ind, "token"),
        soci::use(oauth2.client_id ? *oauth2.client_id : empty, client_ind, "client");
}

}  // namespace automx2
