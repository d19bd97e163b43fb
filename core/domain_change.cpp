#include "core/domain_change.h"

#include <algorithm>
#include <tuple>

#include "core/sha256.h"

namespace automx2 {
namespace {

auto mail_key(const SeedMailServer& s) {
    return std::tie(s.prio, s.type, s.name, s.port, s.socket_type, s.user_name, s.authentication);
}

auto dav_key(const SeedDavServer& s) {
    return std::tie(s.type, s.url, s.port, s.use_ssl, s.domain_required, s.user_name);
}

auto endpoint_key(const SeedEndpoint& e) {
    return std::tie(e.type, e.url);
}

auto oauth2_key(const OAuth2Row& o) {
    return std::tie(o.issuer, o.scope, o.auth_url, o.token_url, o.client_id);
}

// Fields joined with separators no field can hold unescaped (control characters).
void put(std::string& out, std::string_view field) {
    for (char c : field) {
        if (c == '\\' || c == '\x1f' || c == '\x1e') {
            out += '\\';
        }
        out += c;
    }
    out += '\x1f';
}

void put_optional(std::string& out, const std::optional<std::string>& field) {
    if (field) {
        put(out, "=" + *field);
    } else {
        put(out, "-");
    }
}

}  // namespace

DomainPlan plan_of(const DomainRecord& record) {
    DomainPlan plan;
    plan.name = record.domain;
    plan.provider = record.provider.name;
    plan.short_name = record.provider.short_name;
    for (const auto& row : record.servers) {
        plan.servers.push_back(SeedMailServer{row.type, row.name, row.port, row.prio,
                                              row.socket_type, row.user_name, row.authentication});
    }
    for (const auto& row : record.dav_servers) {
        plan.dav_servers.push_back(SeedDavServer{row.type, row.url, row.port, row.use_ssl,
                                                 row.domain_required, row.user_name});
    }
    if (record.ldap) {
        plan.ldapserver_id = record.ldap->id;
    }
    for (const auto& row : record.endpoints) {
        plan.endpoints.push_back(SeedEndpoint{row.type, row.url});
    }
    plan.oauth2 = record.oauth2;
    canonicalise(plan);
    return plan;
}

void canonicalise(DomainPlan& plan) {
    std::stable_sort(plan.servers.begin(), plan.servers.end(),
                     [](const auto& a, const auto& b) { return mail_key(a) < mail_key(b); });
    plan.servers.erase(
        std::unique(plan.servers.begin(), plan.servers.end(),
                    [](const auto& a, const auto& b) { return mail_key(a) == mail_key(b); }),
        plan.servers.end());
    std::stable_sort(plan.dav_servers.begin(), plan.dav_servers.end(),
                     [](const auto& a, const auto& b) { return dav_key(a) < dav_key(b); });
    plan.dav_servers.erase(
        std::unique(plan.dav_servers.begin(), plan.dav_servers.end(),
                    [](const auto& a, const auto& b) { return dav_key(a) == dav_key(b); }),
        plan.dav_servers.end());
    std::stable_sort(
        plan.endpoints.begin(), plan.endpoints.end(),
        [](const auto& a, const auto& b) { return endpoint_key(a) < endpoint_key(b); });
    plan.endpoints.erase(std::unique(plan.endpoints.begin(), plan.endpoints.end(),
                                     [](const auto& a, const auto& b) {
                                         return endpoint_key(a) == endpoint_key(b);
                                     }),
                         plan.endpoints.end());
}

bool same_oauth2(const std::optional<OAuth2Row>& a, const std::optional<OAuth2Row>& b) {
    return a.has_value() == b.has_value() && (!a || oauth2_key(*a) == oauth2_key(*b));
}

bool same_configuration(DomainPlan a, DomainPlan b) {
    canonicalise(a);
    canonicalise(b);
    auto eq_mail = [](const auto& x, const auto& y) { return mail_key(x) == mail_key(y); };
    auto eq_dav = [](const auto& x, const auto& y) { return dav_key(x) == dav_key(y); };
    return a.provider == b.provider && a.short_name == b.short_name &&
           a.ldapserver_id == b.ldapserver_id &&
           std::equal(a.servers.begin(), a.servers.end(), b.servers.begin(), b.servers.end(),
                      eq_mail) &&
           std::equal(a.dav_servers.begin(), a.dav_servers.end(), b.dav_servers.begin(),
                      b.dav_servers.end(), eq_dav) &&
           std::equal(
               a.endpoints.begin(), a.endpoints.end(), b.endpoints.begin(), b.endpoints.end(),
               [](const auto& x, const auto& y) { return endpoint_key(x) == endpoint_key(y); }) &&
           same_oauth2(a.oauth2, b.oauth2);
}

std::string domain_etag(const DomainRecord& record) {
    const DomainPlan plan = plan_of(record);
    std::string state;
    put(state, plan.name);
    put(state, plan.provider);
    put(state, plan.short_name);
    for (const auto& s : plan.servers) {
        state += '\x1e';
        for (const auto& field : {std::to_string(s.prio), s.type, s.name, std::to_string(s.port),
                                  s.socket_type, s.user_name, s.authentication}) {
            put(state, field);
        }
    }
    for (const auto& d : plan.dav_servers) {
        state += '\x1e';
        for (const auto& field :
             {d.type, d.url, std::to_string(d.port), std::string(d.use_ssl ? "1" : "0"),
              std::string(d.domain_required ? "1" : "0")}) {
            put(state, field);
        }
        put_optional(state, d.user_name);
    }
    if (record.ldap) {
        const auto& l = *record.ldap;
        state += '\x1e';
        for (const auto& field :
             {std::to_string(l.id), l.name, std::to_string(l.port),
              std::string(l.use_ssl ? "1" : "0"), l.search_base, l.search_filter, l.attr_uid}) {
            put(state, field);
        }
        put_optional(state, l.attr_cn);
        put_optional(state, l.bind_user);
    }
    for (const auto& e : plan.endpoints) {
        state +=
            "\x1e"
            "endpoint";
        put(state, e.type);
        put(state, e.url);
    }
    if (plan.oauth2) {
        const auto& o = *plan.oauth2;
        state +=
            "\x1e"
            "oauth2";
        put(state, o.issuer);
        put(state, o.scope);
        put_optional(state, o.auth_url);
        put_optional(state, o.token_url);
        put_optional(state, o.client_id);
    }
    return "\"" + sha256_hex(state).substr(0, 32) + "\"";
}

}  // namespace automx2
