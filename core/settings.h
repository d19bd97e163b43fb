// Typed, validated settings built from a DomainRecord (SPEC §5, §7–§9, §12). Invalid
// data (an unknown server type or authentication) throws BadData naming the row.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/model.h"
#include "core/vocabulary.h"

namespace automx2 {

struct MailServer {
    long id = 0;
    ServerType type = ServerType::imap;
    std::string name;
    int port = 0;
    std::string socket_type;  // database value (SSL, STARTTLS, plain, …)
    std::string user_name;    // LDAP uid when found, else the row's user_name
    Authentication authentication = Authentication::cleartext;
    bool encrypted() const { return encrypted_socket(socket_type); }
};

struct DavServer {
    long id = 0;
    DavType type = DavType::caldav;
    std::string url;
    int port = 0;
    bool use_ssl = false;
    bool domain_required = false;
    std::optional<std::string> user_name;  // LDAP uid when found, else the row's
};

struct Endpoint {
    long id = 0;
    EndpointType type = EndpointType::activesync;
    std::string url;
};

using OAuth2Settings = OAuth2Row;

struct DomainSettings {
    long provider_id = 0;
    std::string provider_name;
    std::string provider_short_name;
    std::string domain;  // the looked-up domain (A-label, lower case)
    std::vector<std::string> provider_domains;
    std::vector<MailServer> servers;  // by prio, then id
    std::vector<DavServer> dav_servers;
    std::vector<Endpoint> endpoints;          // by id
    std::optional<OAuth2Settings> oauth2;     // the provider's (SPEC §16)
    std::optional<std::string> display_name;  // LDAP cn
    bool from_directory = false;              // an LDAP entry was consulted
};

// `ldap_uid` replaces every user_name when set (SPEC §5.3). Throws BadData.
DomainSettings make_settings(const DomainRecord& record, const std::optional<std::string>& ldap_uid,
                             const std::optional<std::string>& display_name);

// SPEC §16: %EMAILDOMAIN% in server host names, DAV urls and endpoint urls becomes
// `settings.domain` (the looked-up domain), for every protocol; user names keep their
// placeholders. The resolver calls it once per lookup.
void expand_host_placeholders(DomainSettings& settings);

}  // namespace automx2
