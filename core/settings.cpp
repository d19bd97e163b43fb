#include "core/settings.h"

#include <algorithm>
#include <utility>

#include "core/errors.h"
#include "core/placeholders.h"
#include "core/text.h"

namespace automx2 {

DomainSettings make_settings(const DomainRecord& record, const std::optional<std::string>& ldap_uid,
                             const std::optional<std::string>& display_name) {
    DomainSettings settings;
    settings.provider_id = record.provider.id;
    settings.provider_name = record.provider.name;
    settings.provider_short_name = record.provider.short_name;
    settings.domain = text::to_lower(record.domain);
    settings.provider_domains = record.provider_domains;
    settings.display_name = display_name;

    // The store already orders by prio then id; sorting again keeps SPEC §5.4 true
    // whatever the backend.
    std::vector<const MailServerRow*> rows;
    rows.reserve(record.servers.size());
    for (const auto& row : record.servers) {
        rows.push_back(&row);
    }
    std::stable_sort(rows.begin(), rows.end(), [](const MailServerRow* a, const MailServerRow* b) {
        return a->prio != b->prio ? a->prio < b->prio : a->id < b->id;
    });

    for (const MailServerRow* row : rows) {
        auto type = parse_server_type(row->type);
        if (!type) {
            throw BadData("server " + std::to_string(row->id) + ": unknown type '" + row->type +
                          "'");
        }
        auto authentication = parse_authentication(row->authentication);
        if (!authentication) {
            throw BadData("server " + std::to_string(row->id) + ": unknown authentication '" +
                          row->authentication + "'");
        }
        MailServer server;
        server.id = row->id;
        server.type = *type;
        server.name = row->name;
        server.port = row->port;
        server.socket_type = row->socket_type;
        server.user_name = ldap_uid ? *ldap_uid : row->user_name;
        server.authentication = *authentication;
        settings.servers.push_back(std::move(server));
    }

    for (const auto& row : record.dav_servers) {
        auto type = parse_dav_type(row.type);
        if (!type) {
            throw BadData("davserver " + std::to_string(row.id) + ": unknown type '" + row.type +
                          "'");
        }
        DavServer server;
        server.id = row.id;
        server.type = *type;
        server.url = row.url;
        server.port = row.port;
        server.use_ssl = row.use_ssl;
        server.domain_required = row.domain_required;
        server.user_name = ldap_uid ? ldap_uid : row.user_name;
        settings.dav_servers.push_back(std::move(server));
    }

    for (const auto& row : record.endpoints) {
        auto type = parse_endpoint_type(row.type);
        if (!type) {
            throw BadData("endpoint " + std::to_string(row.id) + ": unknown type '" + row.type +
                          "'");
        }
        settings.endpoints.push_back(Endpoint{row.id, *type, row.url});
    }
    settings.oauth2 = record.oauth2;
    return settings;
}

void expand_host_placeholders(DomainSettings& settings) {
    for (auto& server : settings.servers) {
        server.name = expand_domain_placeholder(server.name, settings.domain);
    }
    for (auto& server : settings.dav_servers) {
        server.url = expand_domain_placeholder(server.url, settings.domain);
    }
    for (auto& endpoint : settings.endpoints) {
        endpoint.url = expand_domain_placeholder(endpoint.url, settings.domain);
    }
}

}  // namespace automx2
