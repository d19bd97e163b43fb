#include "backends/domain_query.h"

#include <string_view>
#include <utility>

#include "core/errors.h"
#include "core/text.h"
#include "core/vocabulary.h"

namespace automx2 {
namespace {

// Rows: kind 0 the domain with its provider and LDAP server, 1 the provider's domains,
// 2 the mail servers, 3 the DAV servers, 4 the URL endpoints, 5 the provider's OAuth2
// settings (SPEC §16), each kind in the order DomainRecord promises.
// Where a kind has no value the columns repeat typed ones of the CTE (never a bare NULL
// in the first two branches), so that PostgreSQL resolves every UNION column to one type.
std::string lookup_sql(const std::string& domain_match, DomainQuery::Scope scope) {
    // The provider's domains are one row each: a writer comparing states needs none of
    // them, and with 100 domains per provider they were 96 % of the rows it fetched.
    const std::string provider_domains =
        scope == DomainQuery::Scope::own_rows
            ? std::string()
            : "UNION ALL SELECT 1, o.id, m.pid, m.lref, m.lid, m.lport, o.id, 0, o.name, "
              "m.pname, m.pshort, m.lname, m.lbase, m.lfilter, m.luid, m.lcn, m.luser, m.lpw, "
              "m.lssl, m.lssl FROM m JOIN domain o ON o.provider_id = m.pid ";
    return "WITH m AS (SELECT d.id AS id, d.name AS name, p.id AS pid, p.name AS pname, "
           "p.short_name AS pshort, d.ldapserver_id AS lref, l.id AS lid, l.port AS lport, "
           "l.name AS lname, l.search_base AS lbase, l.search_filter AS lfilter, l.attr_uid "
           "AS luid, l.attr_cn AS lcn, l.bind_user AS luser, l.bind_password AS lpw, l.use_ssl "
           "AS lssl FROM domain d JOIN provider p ON p.id = d.provider_id "
           "LEFT JOIN ldapserver l ON l.id = d.ldapserver_id WHERE " +
           domain_match +
           " ORDER BY CASE WHEN d.name = :exact THEN 0 ELSE 1 END, d.id LIMIT 1) "
           "SELECT 0, id, pid, lref, lid, lport, 0, 0, name, pname, pshort, lname, lbase, "
           "lfilter, luid, lcn, luser, lpw, lssl, lssl FROM m " +
           provider_domains +
           "UNION ALL SELECT 2, s.id, s.prio, s.port, m.lid, m.lport, COALESCE(s.prio, " +
           std::to_string(defaults::prio) +
           "), "
           "s.id, s.name, s.type, s.socket_type, s.user_name, s.authentication, m.lfilter, "
           "m.luid, m.lcn, m.luser, m.lpw, m.lssl, m.lssl "
           "FROM m JOIN server_domain sd ON sd.domain_id = m.id "
           "JOIN server s ON s.id = sd.server_id "
           "UNION ALL SELECT 3, v.id, v.port, m.lref, m.lid, m.lport, v.id, 0, v.url, v.type, "
           "v.user_name, m.lname, m.lbase, m.lfilter, m.luid, m.lcn, m.luser, m.lpw, "
           "v.use_ssl, v.domain_required "
           "FROM m JOIN davserver_domain vd ON vd.domain_id = m.id "
           "JOIN davserver v ON v.id = vd.davserver_id "
           "UNION ALL SELECT 4, e.id, m.pid, m.lref, m.lid, m.lport, e.id, 0, e.type, e.url, "
           "m.pshort, m.lname, m.lbase, m.lfilter, m.luid, m.lcn, m.luser, m.lpw, m.lssl, m.lssl "
           "FROM m JOIN endpoint_domain ed ON ed.domain_id = m.id "
           "JOIN endpoint e ON e.id = ed.endpoint_id "
           "UNION ALL SELECT 5, o.provider_id, m.pid, m.lref, m.lid, m.lport, 0, 0, o.issuer, "
           "o.scope, o.auth_url, o.token_url, o.client_id, m.lfilter, m.luid, m.lcn, m.luser, "
           "m.lpw, m.lssl, m.lssl FROM m JOIN oauth2 o ON o.provider_id = m.pid "
           "ORDER BY 1, 7, 8";
}

// The meaning of the shared columns per row kind, in the SELECT lists' order above.
struct Num {
    int slot;
};
struct Text {
    int slot;
};

enum Kind {
    kDomain = 0,
    kProviderDomain = 1,
    kMailServer = 2,
    kDavServer = 3,
    kEndpoint = 4,
    kOAuth2 = 5
};

namespace domain_row {
constexpr Num provider_id{0}, ldap_ref{1}, ldap_id{2}, ldap_port{3};
constexpr Text name{0}, provider_name{1}, provider_short_name{2}, ldap_name{3}, ldap_base{4},
    ldap_filter{5}, ldap_uid{6}, ldap_cn{7}, ldap_bind_user{8}, ldap_bind_password{9},
    ldap_use_ssl{10};
}  // namespace domain_row

namespace provider_domain_row {
constexpr Text name{0};
}

namespace mail_row {
constexpr Num prio{0}, port{1};
constexpr Text name{0}, type{1}, socket_type{2}, user_name{3}, authentication{4};
}  // namespace mail_row

namespace dav_row {
constexpr Num port{0};
constexpr Text url{0}, type{1}, user_name{2}, use_ssl{10}, domain_required{11};
}  // namespace dav_row

namespace endpoint_row {
constexpr Text type{0}, url{1};
}

namespace oauth2_row {
constexpr Text issuer{0}, scope{1}, auth_url{2}, token_url{3}, client_id{4};
}

// A stored flag: the boolean words, PostgreSQL's text form of BOOLEAN ("t") and "y".
bool stored_flag(const std::string& value) {
    return text::iequals(value, "t") || text::iequals(value, "y") ||
           text::parse_bool(value).value_or(false);
}

// automx2 databases have no SQL default on these columns (SQLAlchemy applies Python
// defaults), so NULL is possible and the defaults of SPEC §2 are applied here.
class Columns {
  public:
    explicit Columns(const DomainQuery::Row& row) : row_(row) {}

    bool has(Num n) const { return row_.number_ind[n.slot] == soci::i_ok; }
    bool has(Text t) const { return row_.text_ind[t.slot] == soci::i_ok; }
    long get(Num n, long fallback) const { return has(n) ? row_.numbers[n.slot] : fallback; }
    int get_int(Num n, int fallback) const { return static_cast<int>(get(n, fallback)); }
    std::string get(Text t, std::string_view fallback) const {
        return has(t) ? row_.texts[t.slot] : std::string(fallback);
    }
    std::optional<std::string> optional(Text t) const {
        return has(t) ? std::optional<std::string>(row_.texts[t.slot]) : std::nullopt;
    }
    std::optional<bool> flag(Text t) const {
        return has(t) ? std::optional<bool>(stored_flag(row_.texts[t.slot])) : std::nullopt;
    }

  private:
    const DomainQuery::Row& row_;
};

DomainRecord domain_of(const Columns& c, long id) {
    using namespace domain_row;
    DomainRecord record;
    record.domain_id = id;
    record.domain = c.get(name, "");
    record.provider.id = c.get(provider_id, 0);
    record.provider.name = c.get(provider_name, "");
    record.provider.short_name = c.get(provider_short_name, "");
    if (c.has(ldap_ref) && c.has(ldap_id)) {
        LdapServerRow ldap;
        ldap.id = c.get(ldap_id, 0);
        ldap.port = c.get_int(ldap_port, defaults::ldap_port);
        ldap.name = c.get(ldap_name, "");
        ldap.use_ssl = c.flag(ldap_use_ssl).value_or(defaults::ldap_use_ssl(ldap.port));
        ldap.search_base = c.get(ldap_base, "");
        ldap.search_filter = c.get(ldap_filter, defaults::ldap_search_filter);
        ldap.attr_uid = c.get(ldap_uid, defaults::ldap_attr_uid);
        ldap.attr_cn = c.optional(ldap_cn);
        ldap.bind_user = c.optional(ldap_bind_user);
        ldap.bind_password = c.optional(ldap_bind_password);
        record.ldap = std::move(ldap);
    }
    return record;
}

MailServerRow mail_server_of(const Columns& c, long id) {
    using namespace mail_row;
    MailServerRow row;
    row.id = id;
    row.prio = c.get_int(prio, defaults::prio);
    row.port = c.get_int(port, 0);
    row.name = c.get(name, "");
    row.type = c.get(type, "");
    row.socket_type = c.get(socket_type, defaults::socket_type);
    row.user_name = c.get(user_name, defaults::user_name);
    row.authentication = c.get(authentication, defaults::authentication);
    return row;
}

DavServerRow dav_server_of(const Columns& c, long id) {
    using namespace dav_row;
    DavServerRow row;
    row.id = id;
    row.port = c.get_int(port, 0);
    row.url = c.get(url, "");
    row.type = c.get(type, "");
    row.user_name = c.optional(user_name);
    // automx2's Python defaults: use_ssl False, domain_required True.
    row.use_ssl = c.flag(use_ssl).value_or(false);
    row.domain_required = c.flag(domain_required).value_or(defaults::dav_domain_required);
    return row;
}

EndpointRow endpoint_of(const Columns& c, long id) {
    return EndpointRow{id, c.get(endpoint_row::type, ""), c.get(endpoint_row::url, "")};
}

OAuth2Row oauth2_of(const Columns& c) {
    using namespace oauth2_row;
    return OAuth2Row{c.get(issuer, ""), c.get(scope, ""), c.optional(auth_url),
                     c.optional(token_url), c.optional(client_id)};
}

}  // namespace

DomainQuery::DomainQuery(soci::session& session, const std::string& domain_match,
                         unsigned generation, Scope scope)
    : generation_(generation),
      statement_(
          (session.prepare << lookup_sql(domain_match, scope), soci::into(row_.kind),
           soci::into(row_.id), soci::into(row_.numbers[0], row_.number_ind[0]),
           soci::into(row_.numbers[1], row_.number_ind[1]),
           soci::into(row_.numbers[2], row_.number_ind[2]),
           soci::into(row_.numbers[3], row_.number_ind[3]),
           soci::into(row_.sort[0], row_.sort_ind[0]), soci::into(row_.sort[1], row_.sort_ind[1]),
           soci::into(row_.texts[0], row_.text_ind[0]), soci::into(row_.texts[1], row_.text_ind[1]),
           soci::into(row_.texts[2], row_.text_ind[2]), soci::into(row_.texts[3], row_.text_ind[3]),
           soci::into(row_.texts[4], row_.text_ind[4]), soci::into(row_.texts[5], row_.text_ind[5]),
           soci::into(row_.texts[6], row_.text_ind[6]), soci::into(row_.texts[7], row_.text_ind[7]),
           soci::into(row_.texts[8], row_.text_ind[8]), soci::into(row_.texts[9], row_.text_ind[9]),
           soci::into(row_.texts[10], row_.text_ind[10]),
           soci::into(row_.texts[11], row_.text_ind[11]), soci::use(domain_, "d"),
           soci::use(exact_, "exact"))) {}

std::optional<DomainRecord> DomainQuery::run(const std::string& domain) {
    domain_ = domain;
    exact_ = domain;
    std::optional<DomainRecord> record;
    std::optional<long> ldap_ref;
    statement_.execute();
    const Columns columns(row_);
    while (statement_.fetch()) {
        if (row_.kind == kDomain) {
            record = domain_of(columns, row_.id);
            if (columns.has(domain_row::ldap_ref)) {
                ldap_ref = columns.get(domain_row::ldap_ref, 0);
            }
        } else if (!record) {
            continue;  // cannot happen: kind 0 sorts first
        } else if (row_.kind == kProviderDomain) {
            record->provider_domains.push_back(columns.get(provider_domain_row::name, ""));
        } else if (row_.kind == kMailServer) {
            record->servers.push_back(mail_server_of(columns, row_.id));
        } else if (row_.kind == kDavServer) {
            record->dav_servers.push_back(dav_server_of(columns, row_.id));
        } else if (row_.kind == kEndpoint) {
            record->endpoints.push_back(endpoint_of(columns, row_.id));
        } else if (row_.kind == kOAuth2) {
            record->oauth2 = oauth2_of(columns);
        }
    }
    if (record && ldap_ref && !record->ldap) {
        throw BadData("domain " + record->domain + " refers to LDAP server " +
                      std::to_string(*ldap_ref) + ", which does not exist");
    }
    return record;
}

}  // namespace automx2
