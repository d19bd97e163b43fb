#include "core/settings.h"

#include <algorithm>
#include <array>
#include <utility>

#include "core/errors.h"

namespace automx2 {

namespace {

bool iequals(std::string_view a, std::string_view b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
        auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; };
        return lower(x) == lower(y);
    });
}

template <typename Enum, std::size_t N>
std::optional<Enum> lookup(const std::array<std::pair<std::string_view, Enum>, N>& table,
                           std::string_view text) {
    for (const auto& [word, value] : table) {
        if (iequals(word, text)) {
            return value;
        }
    }
    return std::nullopt;
}

std::string to_lower_ascii(std::string text) {
    for (char& c : text) {
        if (c >= 'A' && c <= 'Z') {
            c = char(c - 'A' + 'a');
        }
    }
    return text;
}

}  // namespace

std::optional<Authentication> parse_authentication(std::string_view text) {
    // SPEC §12: automx2's words and Thunderbird's, one canonical value each.
    static constexpr std::array<std::pair<std::string_view, Authentication>, 8> table{{
        {"plain", Authentication::cleartext},
        {"password-cleartext", Authentication::cleartext},
        {"password-encrypted", Authentication::encrypted},
        {"NTLM", Authentication::ntlm},
        {"GSSAPI", Authentication::gssapi},
        {"OAuth2", Authentication::oauth2},
        {"client-IP-address", Authentication::client_ip},
        {"none", Authentication::none},
    }};
    return lookup(table, text);
}

std::optional<ServerType> parse_server_type(std::string_view text) {
    static constexpr std::array<std::pair<std::string_view, ServerType>, 3> table{{
        {"imap", ServerType::imap},
        {"pop", ServerType::pop},
        {"smtp", ServerType::smtp},
    }};
    return lookup(table, text);
}

std::optional<DavType> parse_dav_type(std::string_view text) {
    static constexpr std::array<std::pair<std::string_view, DavType>, 2> table{{
        {"caldav", DavType::caldav},
        {"carddav", DavType::carddav},
    }};
    return lookup(table, text);
}

bool MailServer::encrypted() const {
    return iequals(socket_type, "SSL") || iequals(socket_type, "STARTTLS");
}

DomainSettings make_settings(const DomainRecord& record, const std::optional<std::string>& ldap_uid,
                             const std::optional<std::string>& display_name) {
    DomainSettings settings;
    settings.provider_id = record.provider.id;
    settings.provider_name = record.provider.name;
    settings.provider_short_name = record.provider.short_name;
    settings.domain = to_lower_ascii(record.domain);
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
    return settings;
}

}  // namespace automx2
