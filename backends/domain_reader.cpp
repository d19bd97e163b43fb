#include "backends/domain_reader.h"

#include <map>
#include <optional>
#include <set>
#include <tuple>
#include <utility>
#include <vector>

#include "core/vocabulary.h"

namespace automx2 {
namespace {

// LIKE's wildcards in a prefix taken literally ('!' escapes).
std::string like_prefix(const std::string& prefix) {
    std::string pattern;
    for (char c : prefix) {
        if (c == '%' || c == '_' || c == '!') {
            pattern += '!';
        }
        pattern += c;
    }
    return pattern + "%";
}

struct ProviderRef {
    long id = 0;
    std::string name, short_name;
};

std::vector<ProviderRef> provider_batch(soci::session& sql, long after) {
    std::vector<ProviderRef> batch;
    ProviderRef row;
    soci::statement st = (sql.prepare << "SELECT id, name, short_name FROM provider WHERE id > "
                                         ":after ORDER BY id LIMIT 200",
                          soci::use(after, "after"), soci::into(row.id), soci::into(row.name),
                          soci::into(row.short_name));
    st.execute();
    while (st.fetch()) {
        batch.push_back(row);
    }
    return batch;
}

SeedMailServer mail_server(soci::session& sql, long id) {
    SeedMailServer s;
    sql << "SELECT COALESCE(prio, " + std::to_string(defaults::prio) +
               "), name, port, type, COALESCE(socket_type, 'STARTTLS'), COALESCE(user_name, "
               "'%EMAILADDRESS%'), COALESCE(authentication, 'plain') FROM server WHERE id = :id",
        soci::use(id, "id"), soci::into(s.prio), soci::into(s.name), soci::into(s.port),
        soci::into(s.type), soci::into(s.socket_type), soci::into(s.user_name),
        soci::into(s.authentication);
    return s;
}

SeedDavServer dav_server(soci::session& sql, long id) {
    SeedDavServer s;
    int use_ssl = 0, required = 0;
    std::string user;
    soci::indicator user_ind = soci::i_null;
    sql << "SELECT type, url, port, CASE WHEN use_ssl THEN 1 ELSE 0 END, CASE WHEN "
           "domain_required THEN 1 ELSE 0 END, user_name FROM davserver WHERE id = :id",
        soci::use(id, "id"), soci::into(s.type), soci::into(s.url), soci::into(s.port),
        soci::into(use_ssl), soci::into(required), soci::into(user, user_ind);
    s.use_ssl = use_ssl != 0;
    s.domain_required = required != 0;
    s.user_name = user_ind == soci::i_ok ? std::optional<std::string>(user) : std::nullopt;
    return s;
}

SeedLdapServer ldap_server(soci::session& sql, long id) {
    SeedLdapServer l;
    int use_ssl = 0;
    std::string cn, user;
    soci::indicator cn_ind = soci::i_null, user_ind = soci::i_null;
    sql << "SELECT id, name, port, CASE WHEN use_ssl THEN 1 ELSE 0 END, search_base, "
           "search_filter, attr_uid, attr_cn, bind_user FROM ldapserver WHERE id = :id",
        soci::use(id, "id"), soci::into(l.id), soci::into(l.name), soci::into(l.port),
        soci::into(use_ssl), soci::into(l.search_base), soci::into(l.search_filter),
        soci::into(l.attr_uid), soci::into(cn, cn_ind), soci::into(user, user_ind);
    l.use_ssl = use_ssl != 0;
    l.attr_cn = cn_ind == soci::i_ok ? std::optional<std::string>(cn) : std::nullopt;
    l.bind_user = user_ind == soci::i_ok ? std::optional<std::string>(user) : std::nullopt;
    l.bind_password.reset();  // never exported
    return l;
}

SeedEndpoint endpoint(soci::session& sql, long id) {
    SeedEndpoint e;
    sql << "SELECT type, url FROM endpoint WHERE id = :id", soci::use(id, "id"), soci::into(e.type),
        soci::into(e.url);
    return e;
}

std::optional<OAuth2Row> oauth2_of(soci::session& sql, long provider) {
    OAuth2Row o;
    std::string auth, token, client;
    soci::indicator auth_ind = soci::i_null, token_ind = soci::i_null, client_ind = soci::i_null;
    sql << "SELECT issuer, scope, auth_url, token_url, client_id FROM oauth2 WHERE provider_id "
           "= :p",
        soci::use(provider, "p"), soci::into(o.issuer), soci::into(o.scope),
        soci::into(auth, auth_ind), soci::into(token, token_ind), soci::into(client, client_ind);
    if (!sql.got_data()) {
        return std::nullopt;
    }
    auto optional = [](const std::string& v, soci::indicator ind) {
        return ind == soci::i_ok ? std::optional<std::string>(v) : std::nullopt;
    };
    o.auth_url = optional(auth, auth_ind);
    o.token_url = optional(token, token_ind);
    o.client_id = optional(client, client_ind);
    return o;
}

// domain id → the ids it links to in `table`, for one provider's domains.
std::map<long, std::set<long>> links(soci::session& sql, const std::string& table,
                                     const std::string& column, long provider) {
    std::map<long, std::set<long>> out;
    long domain = 0, server = 0;
    soci::statement st = (sql.prepare << "SELECT l.domain_id, l." + column + " FROM " + table +
                                             " l JOIN domain d ON d.id = l.domain_id WHERE "
                                             "d.provider_id = :p",
                          soci::use(provider, "p"), soci::into(domain), soci::into(server));
    st.execute();
    while (st.fetch()) {
        out[domain].insert(server);
    }
    return out;
}

void export_provider(soci::session& sql, const ProviderRef& provider,
                     const std::function<void(const ExportSeed&)>& sink) {
    struct DomainRow {
        long id;
        SeedDomain domain;
    };
    std::vector<DomainRow> domains;
    {
        long id = 0, ldap = 0;
        std::string name;
        soci::indicator ldap_ind = soci::i_null;
        soci::statement st = (sql.prepare << "SELECT id, name, ldapserver_id FROM domain WHERE "
                                             "provider_id = :p ORDER BY id",
                              soci::use(provider.id, "p"), soci::into(id), soci::into(name),
                              soci::into(ldap, ldap_ind));
        st.execute();
        while (st.fetch()) {
            domains.push_back(
                {id, {name, ldap_ind == soci::i_ok ? std::optional<long>(ldap) : std::nullopt}});
        }
    }
    auto mail = links(sql, "server_domain", "server_id", provider.id);
    auto dav = links(sql, "davserver_domain", "davserver_id", provider.id);
    auto endpoints = links(sql, "endpoint_domain", "endpoint_id", provider.id);
    const auto oauth2 = oauth2_of(sql, provider.id);
    // One seed per distinct server set, in the order of each set's first domain.
    std::vector<std::tuple<std::set<long>, std::set<long>, std::set<long>>> sets;
    std::vector<std::vector<SeedDomain>> members;
    for (const auto& row : domains) {
        std::tuple key{mail[row.id], dav[row.id], endpoints[row.id]};
        std::size_t i = 0;
        while (i < sets.size() && sets[i] != key) {
            ++i;
        }
        if (i == sets.size()) {
            sets.push_back(key);
            members.emplace_back();
        }
        members[i].push_back(row.domain);
    }
    for (std::size_t i = 0; i < sets.size(); ++i) {
        ExportSeed seed;
        seed.provider.name = provider.name;
        seed.provider.short_name = provider.short_name;
        seed.provider_id = provider.id;
        seed.provider.domains = std::move(members[i]);
        for (long id : std::get<0>(sets[i])) {
            seed.provider.servers.push_back(mail_server(sql, id));
        }
        for (long id : std::get<1>(sets[i])) {
            seed.provider.dav_servers.push_back(dav_server(sql, id));
        }
        for (long id : std::get<2>(sets[i])) {
            seed.provider.endpoints.push_back(endpoint(sql, id));
        }
        seed.provider.oauth2 = oauth2;
        std::set<long> ldap_ids;
        for (const auto& domain : seed.provider.domains) {
            if (domain.ldapserver_id && ldap_ids.insert(*domain.ldapserver_id).second) {
                seed.ldap_servers.push_back(ldap_server(sql, *domain.ldapserver_id));
            }
        }
        sink(seed);
    }
}

}  // namespace

DomainPage read_domain_page(soci::session& sql, const std::string& prefix, const std::string& after,
                            std::size_t limit) {
    DomainPage page;
    std::string name, provider;
    const std::string pattern = like_prefix(prefix);
    // Keyset over domain.name's unique index: no OFFSET scan, however deep the page; a
    // name starting with the prefix sorts at or after it, so the scan starts there.
    soci::statement st =
        (sql.prepare << "SELECT d.name, p.name FROM domain d JOIN provider p ON p.id = "
                        "d.provider_id WHERE d.name > :after AND d.name >= :start AND d.name LIKE "
                        ":prefix ESCAPE '!' "
                        "ORDER BY d.name LIMIT " +
                            std::to_string(limit + 1),
         soci::use(after, "after"), soci::use(prefix, "start"), soci::use(pattern, "prefix"),
         soci::into(name), soci::into(provider));
    st.execute();
    while (st.fetch()) {
        if (page.domains.size() == limit) {
            page.next = page.domains.back().name;
            break;
        }
        page.domains.push_back({name, provider});
    }
    return page;
}

void read_export(soci::session& sql, const std::function<void(const ExportSeed&)>& sink) {
    long after = 0;
    for (;;) {
        const auto batch = provider_batch(sql, after);
        if (batch.empty()) {
            return;
        }
        for (const auto& provider : batch) {
            export_provider(sql, provider, sink);
        }
        after = batch.back().id;
    }
}

}  // namespace automx2
