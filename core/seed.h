// Seed data for /initdb/ (SPEC §10): the JSON of POST /initdb/ and the built-in sample
// data share this validated form, which the store writes in one transaction.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/model.h"
#include "core/vocabulary.h"

namespace automx2 {

struct SeedDomain {
    std::string name;                   // lower-case A-label
    std::optional<long> ldapserver_id;  // a server of this seed or one already stored
};

// Words as the seed wrote them, checked against core/vocabulary.h by parse_seed.
struct SeedMailServer {
    std::string type;  // imap | pop | smtp (sample data may hold an invalid one on purpose)
    std::string name;
    int port = 0;
    int prio = defaults::prio;
    std::string socket_type;
    std::string user_name = std::string(defaults::user_name);
    std::string authentication = std::string(defaults::authentication);
};

struct SeedDavServer {
    std::string type;  // caldav | carddav
    std::string url;
    int port = defaults::dav_port;
    bool use_ssl = false;
    bool domain_required = defaults::dav_domain_required;
    std::optional<std::string> user_name = std::string(defaults::dav_user_name);
};

// SPEC §16: a server that is a URL (type activesync | ews | jmap, https only).
struct SeedEndpoint {
    std::string type;
    std::string url;
};

struct SeedLdapServer {
    long id = 0;
    std::string name;
    int port = defaults::ldap_port;
    bool use_ssl = defaults::ldap_use_ssl(defaults::ldap_port);
    std::string search_base;
    std::string search_filter = std::string(defaults::ldap_search_filter);
    std::string attr_uid = std::string(defaults::ldap_attr_uid);
    std::optional<std::string> attr_cn = std::string(defaults::ldap_attr_cn);
    std::optional<std::string> bind_user;
    std::optional<std::string> bind_password;
};

// One provider with its domains; every server serves every domain of its provider.
struct SeedProvider {
    std::string name;
    std::string short_name;  // first word of name
    std::vector<SeedDomain> domains;
    std::vector<SeedMailServer> servers;
    std::vector<SeedDavServer> dav_servers;
    std::vector<SeedEndpoint> endpoints;  // SPEC §16
    std::optional<OAuth2Row> oauth2;      // SPEC §16: the provider's, top-level "oauth2"
};

struct Seed {
    std::vector<SeedLdapServer> ldap_servers;
    std::vector<SeedProvider> providers;
};

// Parses and validates a seed (format version 2, or the older format without
// `version`). Throws BadRequest with a message naming the problem: a version other
// than 2, a missing mandatory key, a wrong JSON type, a word the vocabulary does not
// know (server type, socket_type, authentication), an invalid domain name, no domain,
// an oauth2 object or endpoint url that is not what SPEC §16 allows,
// no mail server, an ldapserver_id that is neither in the seed nor in `stored_ldap_ids`.
Seed parse_seed(std::string_view json_text, const std::vector<long>& stored_ldap_ids = {});

// The deterministic built-in sample data (SPEC §10): several providers, every server
// kind, a domain without servers, a server of an invalid type. When the LDAP_*
// environment variables are set, example.com gets an LDAP server (SPEC §1).
Seed sample_seed();

}  // namespace automx2
