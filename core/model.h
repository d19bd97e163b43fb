// What a domain resolves to. The store fills the *Row structs with the database's own
// values (strings as stored); core/settings.h turns them into typed settings once.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/vocabulary.h"

namespace automx2 {

struct ProviderRow {
    long id = 0;
    std::string name;
    std::string short_name;
};

struct MailServerRow {
    long id = 0;
    int prio = defaults::prio;
    std::string name;
    int port = 0;
    // The words of core/vocabulary.h; a NULL column reads as its defaults:: value.
    std::string type;  // anything else is invalid data, found by make_settings
    std::string socket_type = std::string(defaults::socket_type);
    std::string user_name = std::string(defaults::user_name);
    std::string authentication = std::string(defaults::authentication);
};

struct DavServerRow {
    long id = 0;
    std::string url;
    int port = 0;
    std::string type;  // caldav | carddav
    bool use_ssl = false;
    bool domain_required = false;
    std::optional<std::string> user_name;
};

// SPEC §16: the provider's OAuth2 settings (table oauth2, one row per provider).
struct OAuth2Row {
    std::string issuer;  // an https URL or a host name
    std::string scope;
    std::optional<std::string> auth_url;
    std::optional<std::string> token_url;
    std::optional<std::string> client_id;
};

// SPEC §16: tables endpoint and endpoint_domain.
struct EndpointRow {
    long id = 0;
    std::string type;  // activesync | ews | jmap
    std::string url;
};

struct LdapServerRow {
    long id = 0;
    std::string name;
    int port = defaults::ldap_port;
    bool use_ssl = defaults::ldap_use_ssl(defaults::ldap_port);
    std::string search_base;
    std::string search_filter;
    std::string attr_uid;
    std::optional<std::string> attr_cn;
    std::optional<std::string> bind_user;
    std::optional<std::string> bind_password;  // a secret: never logged
};

// Everything one lookup needs, fetched together.
struct DomainRecord {
    long domain_id = 0;
    std::string domain;  // as stored
    ProviderRow provider;
    std::vector<std::string> provider_domains;  // every domain of the provider, by id
    std::vector<MailServerRow> servers;         // by prio, then id
    std::vector<DavServerRow> dav_servers;      // by id
    std::vector<EndpointRow> endpoints;         // by id
    std::optional<OAuth2Row> oauth2;            // the provider's
    std::optional<LdapServerRow> ldap;
};

}  // namespace automx2
