// The built-in sample data of GET /initdb/ (SPEC §10): deterministic, every server
// kind, and the broken cases a person trying the service by hand wants to see.
#include <cstdlib>

#include "core/log.h"
#include "core/seed.h"
#include "core/url.h"

namespace automx2 {

namespace {

std::optional<std::string> env(const char* name) {
    const char* value = std::getenv(name);
    if (value == nullptr || *value == '\0') {
        return std::nullopt;
    }
    return std::string(value);
}

SeedMailServer mail(std::string type, std::string name, int port, std::string socket_type, int prio,
                    std::string_view user_name = placeholder::address) {
    SeedMailServer server;
    server.type = std::move(type);
    server.name = std::move(name);
    server.port = port;
    server.socket_type = std::move(socket_type);
    server.prio = prio;
    server.user_name = std::string(user_name);
    return server;
}

std::vector<SeedDomain> domains(std::initializer_list<const char*> names) {
    std::vector<SeedDomain> result;
    for (const char* name : names) {
        result.push_back(SeedDomain{name, std::nullopt});
    }
    return result;
}

}  // namespace

Seed sample_seed() {
    Seed seed;

    SeedProvider example{"Example Inc.",
                         "Example",
                         domains({"example.com", "example.net", "example.org"}),
                         {},
                         {},
                         {},
                         {}};
    example.servers = {
        mail("imap", "imap.example.com", 143, "STARTTLS", 20),
        mail("imap", "imap.example.com", 993, "SSL", 10),
        mail("pop", "pop.example.com", 995, "SSL", 10),
        mail("smtp", "smtp.example.com", 587, "STARTTLS", 20),
        mail("smtp", "smtp.example.com", 465, "SSL", 10),
    };
    example.dav_servers = {
        SeedDavServer{"caldav", "https://dav.example.com/caldav/%EMAILADDRESS%/", 0, true, true,
                      std::string(placeholder::address)},
        SeedDavServer{"carddav", "https://dav.example.com/carddav/", 443, true, false,
                      std::string(placeholder::local_part)},
    };

    if (const auto host = env("LDAP_HOSTNAME")) {
        SeedLdapServer ldap;
        ldap.id = 1;
        ldap.name = *host;
        if (const auto port = env("LDAP_PORT")) {
            if (const auto value = url::parse_port(*port)) {
                ldap.port = *value;
            } else {
                log::warning("LDAP_PORT is not a port number; using " +
                             std::to_string(defaults::ldap_port));
            }
        }
        ldap.use_ssl = defaults::ldap_use_ssl(ldap.port);
        ldap.search_base = env("LDAP_SEARCH_BASE").value_or("dc=example,dc=com");
        ldap.bind_user = env("LDAP_BIND_USER");
        ldap.bind_password = env("LDAP_BIND_PASSWORD");
        seed.ldap_servers.push_back(std::move(ldap));
        example.domains[0].ldapserver_id = 1;
    }
    seed.providers.push_back(std::move(example));

    SeedProvider other{"Other Provider GmbH", "Other", domains({"other.example"}), {}, {}, {}, {}};
    other.servers = {
        mail("pop", "pop.other.example", 110, "plain", 10, placeholder::local_part),
        mail("pop", "pop.other.example", 995, "SSL", 20, placeholder::local_part),
        mail("smtp", "mail.other.example", 587, "STARTTLS", 10, placeholder::local_part),
    };
    seed.providers.push_back(std::move(other));

    seed.providers.push_back(SeedProvider{
        "Serverless Inc.", "Serverless", domains({"serverless.example"}), {}, {}, {}, {}});

    SeedProvider broken{
        "Broken Config Corp.", "Broken", domains({"broken.example"}), {}, {}, {}, {}};
    broken.servers = {
        mail("imap", "imap.broken.example", 993, "SSL", 10),
        // An invalid type on purpose: lookups for broken.example must answer 400.
        mail("exchange", "ex.broken.example", 443, "SSL", 20),
    };
    seed.providers.push_back(std::move(broken));

    // SPEC §16: OAuth2 settings and URL endpoints (a groupware server such as SOGo or
    // Grommunio behind them).
    SeedProvider groupware{
        "Groupware Example AG", "Groupware", domains({"groupware.example"}), {}, {}, {}, {}};
    groupware.servers = {
        mail("imap", "mail.groupware.example", 993, "SSL", 10),
        mail("smtp", "mail.groupware.example", 465, "SSL", 10),
    };
    for (auto& server : groupware.servers) {
        server.authentication = "OAuth2";
    }
    groupware.dav_servers = {
        SeedDavServer{"caldav", "https://dav.groupware.example/SOGo/dav/", 443, true, true,
                      std::string(placeholder::address)},
    };
    groupware.endpoints = {
        {"activesync", "https://mail.groupware.example/Microsoft-Server-ActiveSync"},
        {"ews", "https://mail.groupware.example/EWS/Exchange.asmx"},
        {"jmap", "https://mail.groupware.example/.well-known/jmap"},
    };
    groupware.oauth2 = OAuth2Row{"https://login.groupware.example", "openid email offline_access",
                                 "https://login.groupware.example/authorize",
                                 "https://login.groupware.example/token", "automx2-sample"};
    seed.providers.push_back(std::move(groupware));
    return seed;
}

}  // namespace automx2
