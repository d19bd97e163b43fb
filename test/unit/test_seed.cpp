#include <catch2/catch.hpp>
#include <cstdlib>
#include <string>

#include "core/errors.h"
#include "core/seed.h"

using automx2::BadRequest;
using automx2::parse_seed;
using automx2::Seed;
using Catch::Contains;

namespace {

// A minimal valid version-2 seed with `servers` as given.
std::string v2(const std::string& servers,
               const std::string& domains = R"([{"name": "a.example"}])") {
    return R"({"version": 2, "provider": "Acme Mail", "domains": )" + domains + R"(, "servers": )" +
           servers + "}";
}

const std::string kImap = R"([{"type": "imap", "name": "imap.a.example"}])";

std::string repeat_list(const std::string& item, int count) {
    std::string list = "[";
    for (int i = 0; i < count; ++i) {
        list += (i ? "," : "") + item;
    }
    return list + "]";
}

}  // namespace

TEST_CASE("version 2 seed with every default", "[seed]") {
    const Seed seed = parse_seed(R"({
        "version": 2,
        "provider": "Acme Mail Services",
        "domains": [{"name": "Acme.EXAMPLE"}, {"name": "b.example", "ldapserver_id": 7}],
        "servers": [
            {"type": "imap", "name": "imap.acme.example"},
            {"type": "pop", "name": "pop.acme.example"},
            {"type": "smtp", "name": "smtp.acme.example"},
            {"type": "smtp", "name": "submit.acme.example", "port": 587, "prio": 5},
            {"type": "imap", "name": "imap143.acme.example", "port": 143},
            {"type": "caldav", "url": "https://dav.acme.example/cal/"},
            {"type": "carddav", "url": "http://dav.acme.example/card/", "port": 8080}
        ],
        "ldapservers": [{"id": 7, "name": "ldap.acme.example", "search_base": "dc=acme",
                         "bind_user": "cn=reader", "bind_password": "pw"}]
    })");
    REQUIRE(seed.providers.size() == 1);
    const auto& p = seed.providers[0];
    CHECK(p.name == "Acme Mail Services");
    CHECK(p.short_name == "Acme");
    REQUIRE(p.domains.size() == 2);
    CHECK(p.domains[0].name == "acme.example");
    CHECK_FALSE(p.domains[0].ldapserver_id);
    CHECK(p.domains[1].name == "b.example");
    CHECK(p.domains[1].ldapserver_id == 7L);

    REQUIRE(p.servers.size() == 5);
    CHECK(p.servers[0].type == "imap");
    CHECK(p.servers[0].port == 993);
    CHECK(p.servers[0].socket_type == "SSL");
    CHECK(p.servers[0].prio == 10);
    CHECK(p.servers[0].user_name == "%EMAILADDRESS%");
    CHECK(p.servers[0].authentication == "plain");
    CHECK(p.servers[1].port == 995);
    CHECK(p.servers[1].socket_type == "SSL");
    CHECK(p.servers[2].port == 465);
    CHECK(p.servers[2].socket_type == "SSL");
    CHECK(p.servers[3].port == 587);
    CHECK(p.servers[3].socket_type == "STARTTLS");
    CHECK(p.servers[3].prio == 5);
    CHECK(p.servers[4].port == 143);
    CHECK(p.servers[4].socket_type == "STARTTLS");

    REQUIRE(p.dav_servers.size() == 2);
    CHECK(p.dav_servers[0].type == "caldav");
    CHECK(p.dav_servers[0].port == 0);
    CHECK(p.dav_servers[0].use_ssl);
    CHECK(p.dav_servers[0].domain_required);
    CHECK(p.dav_servers[0].user_name == std::optional<std::string>("%EMAILADDRESS%"));
    CHECK(p.dav_servers[1].port == 8080);
    CHECK_FALSE(p.dav_servers[1].use_ssl);

    REQUIRE(seed.ldap_servers.size() == 1);
    const auto& l = seed.ldap_servers[0];
    CHECK(l.id == 7);
    CHECK(l.name == "ldap.acme.example");
    CHECK(l.port == 636);
    CHECK(l.use_ssl);
    CHECK(l.search_base == "dc=acme");
    CHECK(l.search_filter == "(mail={0})");
    CHECK(l.attr_uid == "uid");
    CHECK(l.attr_cn == std::optional<std::string>("cn"));
    CHECK(l.bind_user == std::optional<std::string>("cn=reader"));
    CHECK(l.bind_password == std::optional<std::string>("pw"));
}

TEST_CASE("older seed format: no version, plain domain names", "[seed]") {
    const Seed seed = parse_seed(R"({"provider": "Old Style Ltd", "domains": ["old.example",
        "OLD2.example"], "servers": [{"type": "smtp", "name": "smtp.old.example", "port": 25}]})");
    REQUIRE(seed.providers.size() == 1);
    const auto& p = seed.providers[0];
    CHECK(p.short_name == "Old");
    REQUIRE(p.domains.size() == 2);
    CHECK(p.domains[1].name == "old2.example");
    REQUIRE(p.servers.size() == 1);
    CHECK(p.servers[0].port == 25);
    CHECK(p.servers[0].socket_type == "STARTTLS");
    CHECK(seed.ldap_servers.empty());

    SECTION("object domains are not the old format") {
        CHECK_THROWS_WITH(parse_seed(R"({"provider": "X", "domains": [{"name": "a.example"}],
                                        "servers": [{"type": "imap", "name": "i"}]})"),
                          Contains("domains[0] must be a string"));
    }
    SECTION("ldapservers need version 2") {
        CHECK_THROWS_WITH(
            parse_seed(R"({"provider": "X", "domains": ["a.example"], "ldapservers": [],
                           "servers": [{"type": "imap", "name": "i"}]})"),
            Contains("ldapservers needs"));
    }
    SECTION("plain names are not version 2") {
        CHECK_THROWS_WITH(parse_seed(v2(kImap, R"(["a.example"])")),
                          Contains("domains[0] must be an object"));
    }
}

TEST_CASE("IDN domains are stored as A-labels", "[seed]") {
    const Seed seed = parse_seed(v2(kImap, R"([{"name": "Bücher.Example"}])"));
    CHECK(seed.providers.at(0).domains.at(0).name == "xn--bcher-kva.example");
}

TEST_CASE("seed errors name the problem and the JSON path", "[seed]") {
    SECTION("version") {
        CHECK_THROWS_WITH(parse_seed(R"({"version": 3, "provider": "X", "domains": [],
                                        "servers": []})"),
                          Contains("version must be the number 2"));
        CHECK_THROWS_AS(parse_seed(R"({"version": "2", "provider": "X",
            "domains": [{"name": "a.example"}], "servers": [{"type": "imap", "name": "i"}]})"),
                        BadRequest);
        CHECK_THROWS_AS(parse_seed(R"({"version": 2.0, "provider": "X",
            "domains": [{"name": "a.example"}], "servers": [{"type": "imap", "name": "i"}]})"),
                        BadRequest);
    }
    SECTION("missing mandatory keys") {
        CHECK_THROWS_WITH(parse_seed(R"({"version": 2, "domains": [{"name": "a.example"}],
                                        "servers": [{"type": "imap", "name": "i"}]})"),
                          Contains("missing mandatory key provider"));
        CHECK_THROWS_WITH(
            parse_seed(
                R"({"version": 2, "provider": "X", "servers": [{"type": "imap", "name": "i"}]})"),
            Contains("missing mandatory key domains"));
        CHECK_THROWS_WITH(parse_seed(R"({"version": 2, "provider": "X",
                                        "domains": [{"name": "a.example"}]})"),
                          Contains("missing mandatory key servers"));
        CHECK_THROWS_WITH(parse_seed(v2(R"([{"type": "imap"}])")),
                          Contains("missing mandatory key servers[0].name"));
        CHECK_THROWS_WITH(parse_seed(v2(R"([{"name": "x"}])")),
                          Contains("missing mandatory key servers[0].type"));
        CHECK_THROWS_WITH(parse_seed(v2(R"([{"type": "imap", "name": "i"}, {"type": "caldav"}])")),
                          Contains("missing mandatory key servers[1].url"));
        CHECK_THROWS_WITH(parse_seed(v2(kImap, R"([{"ldapserver_id": 1}])")),
                          Contains("missing mandatory key domains[0].name"));
        CHECK_THROWS_WITH(parse_seed(R"({"version": 2, "provider": "X",
            "domains": [{"name": "a.example"}], "servers": [{"type": "imap", "name": "i"}],
            "ldapservers": [{"id": 1, "name": "l", "search_base": "dc=x",
                             "bind_password": "p"}]})"),
                          Contains("missing mandatory key ldapservers[0].bind_user"));
        CHECK_THROWS_WITH(parse_seed(R"({"version": 2, "provider": "X",
            "domains": [{"name": "a.example"}], "servers": [{"type": "imap", "name": "i"}],
            "ldapservers": [{"id": 1, "name": "l", "bind_user": null,
                             "bind_password": null}]})"),
                          Contains("missing mandatory key ldapservers[0].search_base"));
    }
    SECTION("unknown server type") {
        CHECK_THROWS_WITH(parse_seed(v2(R"([{"type": "imap", "name": "i"},
                                              {"type": "exchange", "name": "e"}])")),
                          Contains("servers[1].type: unknown server type \"exchange\""));
    }
    SECTION("unknown socket_type or authentication (issue 11)") {
        // Stored, either would make every later lookup of the domain answer 400.
        CHECK_THROWS_WITH(parse_seed(v2(R"([{"type": "imap", "name": "i"},
                              {"type": "imap", "name": "j"},
                              {"type": "smtp", "name": "s", "authentication": "foo"}])")),
                          Contains("servers[2].authentication: unknown word 'foo' (expected plain, "
                                   "password-cleartext, password-encrypted, NTLM, GSSAPI, OAuth2, "
                                   "client-IP-address, none)"));
        CHECK_THROWS_WITH(
            parse_seed(v2(R"([{"type": "imap", "name": "i", "socket_type": "TLS"}])")),
            Contains("servers[0].socket_type: unknown word 'TLS' (expected SSL, STARTTLS, plain, "
                     "Auto, None)"));
        CHECK_THROWS_AS(
            parse_seed(v2(R"([{"type": "imap", "name": "i", "authentication": "plain "}])")),
            BadRequest);
        // Known words in any case are kept as written.
        const Seed seed = parse_seed(v2(R"([{"type": "imap", "name": "i", "socket_type": "ssl",
                                            "authentication": "Password-Encrypted"},
                                           {"type": "smtp", "name": "s", "socket_type": "None",
                                            "authentication": "client-IP-address"}])"));
        const auto& servers = seed.providers.at(0).servers;
        CHECK(servers.at(0).socket_type == "ssl");
        CHECK(servers.at(0).authentication == "Password-Encrypted");
        CHECK(servers.at(1).socket_type == "None");
        CHECK(servers.at(1).authentication == "client-IP-address");
        // Server types are stored in the vocabulary's spelling (automx2 compares exactly).
        const Seed mixed = parse_seed(v2(R"([{"type": "IMAP", "name": "i"},
                                            {"type": "sMtp", "name": "s"},
                                            {"type": "CalDAV", "url": "https://d/"}])"));
        CHECK(mixed.providers.at(0).servers.at(0).type == "imap");
        CHECK(mixed.providers.at(0).servers.at(1).type == "smtp");
        CHECK(mixed.providers.at(0).dav_servers.at(0).type == "caldav");
    }
    SECTION("unknown ldapserver_id") {
        const auto text = v2(kImap, R"([{"name": "a.example", "ldapserver_id": 3}])");
        CHECK_THROWS_WITH(parse_seed(text),
                          Contains("domains[0].ldapserver_id: unknown ldapserver_id 3"));
        // One already stored is fine.
        CHECK(parse_seed(text, {1, 3}).providers[0].domains[0].ldapserver_id == 3L);
    }
    SECTION("no domain, no mail server") {
        CHECK_THROWS_WITH(parse_seed(v2(kImap, "[]")), Contains("at least one domain"));
        CHECK_THROWS_WITH(parse_seed(v2("[]")), Contains("at least one mail server"));
        CHECK_THROWS_WITH(parse_seed(v2(R"([{"type": "caldav", "url": "https://d/"}])")),
                          Contains("at least one mail server"));
    }
    SECTION("strict JSON types") {
        CHECK_THROWS_WITH(parse_seed(v2(R"([{"type": "imap", "name": "i"},
            {"type": "imap", "name": "j"}, {"type": "imap", "name": "k", "port": "993"}])")),
                          Contains("servers[2].port must be an integer"));
        CHECK_THROWS_WITH(parse_seed(v2(R"([{"type": "imap", "name": "i", "port": 993.5}])")),
                          Contains("servers[0].port must be an integer"));
        CHECK_THROWS_WITH(parse_seed(v2(R"([{"type": "imap", "name": "i", "port": true}])")),
                          Contains("servers[0].port must be an integer"));
        CHECK_THROWS_WITH(parse_seed(v2(R"([{"type": "imap", "name": "i", "prio": "1"}])")),
                          Contains("servers[0].prio must be an integer"));
        CHECK_THROWS_WITH(parse_seed(v2(R"([{"type": "imap", "name": 5}])")),
                          Contains("servers[0].name must be a string"));
        CHECK_THROWS_WITH(parse_seed(v2(R"([{"type": "caldav", "url": ["x"]}])")),
                          Contains("servers[0].url must be a string"));
        CHECK_THROWS_WITH(parse_seed(R"({"version": 2, "provider": 5,
            "domains": [{"name": "a.example"}], "servers": []})"),
                          Contains("provider must be a string"));
        CHECK_THROWS_WITH(parse_seed(v2(kImap, R"([{"name": 7}])")),
                          Contains("domains[0].name must be a string"));
        CHECK_THROWS_WITH(
            parse_seed(v2(kImap, R"([{"name": "a.example", "ldapserver_id": "1"}])"), {1}),
            Contains("domains[0].ldapserver_id must be an integer"));
        CHECK_THROWS_WITH(parse_seed(v2(kImap, R"({"name": "a.example"})")),
                          Contains("domains must be a list"));
        CHECK_THROWS_WITH(parse_seed(v2(R"({"type": "imap"})")),
                          Contains("servers must be a list"));
        CHECK_THROWS_WITH(parse_seed(v2(R"(["imap"])")), Contains("servers[0] must be an object"));
        CHECK_THROWS_WITH(parse_seed(R"({"version": 2, "provider": "X",
            "domains": [{"name": "a.example"}], "servers": [{"type": "imap", "name": "i"}],
            "ldapservers": [{"id": "1", "name": "l", "search_base": "b", "bind_user": null,
                             "bind_password": null}]})"),
                          Contains("ldapservers[0].id must be an integer"));
    }
    SECTION("ranges") {
        CHECK_THROWS_WITH(parse_seed(v2(R"([{"type": "imap", "name": "i", "port": 0}])")),
                          Contains("servers[0].port must be between 1 and 65535"));
        CHECK_THROWS_WITH(parse_seed(v2(R"([{"type": "imap", "name": "i", "port": 65536}])")),
                          Contains("servers[0].port must be between"));
        CHECK_THROWS_WITH(parse_seed(v2(R"([{"type": "imap", "name": "i",
                                             "port": 18446744073709551615}])")),
                          Contains("servers[0].port must be between"));
        CHECK_THROWS_WITH(parse_seed(v2(R"([{"type": "imap", "name": "i", "prio": -1}])")),
                          Contains("servers[0].prio must be between"));
    }
    SECTION("invalid and duplicate domains") {
        CHECK_THROWS_WITH(parse_seed(v2(kImap, R"([{"name": "not a domain"}])")),
                          Contains("domains[0].name is not a valid domain name"));
        CHECK_THROWS_WITH(parse_seed(v2(kImap, R"([{"name": ""}])")),
                          Contains("domains[0].name is not a valid domain name"));
        CHECK_THROWS_WITH(
            parse_seed(v2(kImap, R"([{"name": "a.example"}, {"name": "A.Example"}])")),
            Contains("domains[1].name: duplicate domain a.example"));
    }
    SECTION("sizes") {
        const std::string long_name(129, 'n');
        CHECK_THROWS_WITH(parse_seed(v2(R"([{"type": "imap", "name": ")" + long_name + "\"}]")),
                          Contains("servers[0].name is longer than 128"));
        CHECK_THROWS_WITH(parse_seed(R"({"version": 2, "provider": ")" + long_name +
                                     R"(", "domains": [{"name": "a.example"}], "servers": []})"),
                          Contains("provider is longer than 128"));
        CHECK_THROWS_WITH(
            parse_seed(R"({"version": 2, "provider": ")" + std::string(33, 'p') +
                       R"( Inc", "domains": [{"name": "a.example"}], "servers": )" + kImap + "}"),
            Contains("short name"));
        CHECK_THROWS_WITH(parse_seed(v2(repeat_list(R"({"type": "imap", "name": "i"})", 1001))),
                          Contains("servers has more than 1000 entries"));
        std::string many = "[";
        for (int i = 0; i < 1001; ++i) {
            // Appended piece by piece: GCC 12 -O3 warns falsely (-Wrestrict) on the
            // equivalent operator+ chain.
            if (i > 0)
                many += ',';
            many += R"({"name": "d)";
            many += std::to_string(i);
            many += R"(.example"})";
        }
        many += "]";
        CHECK_THROWS_WITH(parse_seed(v2(kImap, many)),
                          Contains("domains has more than 1000 entries"));
        // 1000 is still fine.
        CHECK(parse_seed(v2(repeat_list(R"({"type": "imap", "name": "i"})", 1000)))
                  .providers[0]
                  .servers.size() == 1000);
    }
    SECTION("malformed JSON and the wrong shape") {
        CHECK_THROWS_WITH(parse_seed(R"({"version": 2, "provider": )"), Contains("malformed JSON"));
        CHECK_THROWS_WITH(parse_seed(R"({"bind_password": "s3cret" x})"), !Contains("s3cret"));
        CHECK_THROWS_WITH(parse_seed(""), Contains("malformed JSON"));
        CHECK_THROWS_WITH(parse_seed("[1, 2]"), Contains("the seed must be an object"));
        CHECK_THROWS_WITH(parse_seed(std::string(100, '[') + std::string(100, ']')),
                          Contains("nested deeper than 8"));
        // Eight levels are allowed (the limit is on nesting, not on seeds as such).
        CHECK_THROWS_WITH(parse_seed(std::string(8, '[') + std::string(8, ']')),
                          Contains("must be an object"));
    }
}

TEST_CASE("LDAP use_ssl accepts booleans and yes/no, true/false, 1/0", "[seed]") {
    auto use_ssl = [](const std::string& fields) {
        const Seed seed = parse_seed(R"({"version": 2, "provider": "X",
            "domains": [{"name": "a.example", "ldapserver_id": 1}], "servers": )" +
                                     kImap + R"(, "ldapservers": [{"id": 1, "name": "l",
            "search_base": "b", "bind_user": null, "bind_password": null)" +
                                     fields + "}]}");
        return seed.ldap_servers.at(0).use_ssl;
    };
    CHECK(use_ssl(""));
    CHECK_FALSE(use_ssl(R"(, "port": 389)"));
    CHECK(use_ssl(R"(, "port": 389, "use_ssl": true)"));
    CHECK_FALSE(use_ssl(R"(, "use_ssl": false)"));
    CHECK(use_ssl(R"(, "port": 389, "use_ssl": "yes")"));
    CHECK_FALSE(use_ssl(R"(, "use_ssl": "no")"));
    CHECK(use_ssl(R"(, "port": 389, "use_ssl": "TRUE")"));
    CHECK_FALSE(use_ssl(R"(, "use_ssl": "false")"));
    CHECK(use_ssl(R"(, "port": 389, "use_ssl": "1")"));
    CHECK_FALSE(use_ssl(R"(, "use_ssl": "0")"));
    // text::parse_bool's one set of words, as in the configuration file.
    CHECK(use_ssl(R"(, "port": 389, "use_ssl": "On")"));
    CHECK_FALSE(use_ssl(R"(, "use_ssl": "off")"));
    CHECK_THROWS_WITH(use_ssl(R"(, "use_ssl": "maybe")"),
                      Contains("ldapservers[0].use_ssl must be a boolean"));
    CHECK_THROWS_WITH(use_ssl(R"(, "use_ssl": 1)"),
                      Contains("ldapservers[0].use_ssl must be a boolean"));

    SECTION("other LDAP fields and duplicate ids") {
        const Seed seed = parse_seed(R"({"version": 2, "provider": "X",
            "domains": [{"name": "a.example"}], "servers": )" +
                                     kImap + R"J(, "ldapservers": [{"id": 4, "name": "l",
            "port": 3890, "search_base": "b", "search_filter": "(uid={0})", "attr_uid": "sAM",
            "attr_cn": null, "bind_user": null, "bind_password": null}]
})J");
        const auto& l = seed.ldap_servers.at(0);
        CHECK(l.port == 3890);
        CHECK(l.search_filter == "(uid={0})");
        CHECK(l.attr_uid == "sAM");
        CHECK_FALSE(l.attr_cn);
        CHECK_FALSE(l.bind_user);
        CHECK_FALSE(l.bind_password);
        CHECK_THROWS_WITH(parse_seed(R"({"version": 2, "provider": "X",
            "domains": [{"name": "a.example"}], "servers": )" +
                                     kImap + R"(, "ldapservers": [
            {"id": 4, "name": "l", "search_base": "b", "bind_user": null, "bind_password": null},
            {"id": 4, "name": "m", "search_base": "b", "bind_user": null, "bind_password": null}
            ]})"),
                          Contains("ldapservers[1].id 4 appears twice"));
    }
}

TEST_CASE("sample seed holds exactly the documented data", "[seed]") {
    ::unsetenv("LDAP_HOSTNAME");
    Seed seed = automx2::sample_seed();
    CHECK(seed.ldap_servers.empty());
    REQUIRE(seed.providers.size() == 5);

    const auto& example = seed.providers[0];
    CHECK(example.name == "Example Inc.");
    CHECK(example.short_name == "Example");
    REQUIRE(example.domains.size() == 3);
    CHECK(example.domains[0].name == "example.com");
    CHECK(example.domains[1].name == "example.net");
    CHECK(example.domains[2].name == "example.org");
    CHECK_FALSE(example.domains[0].ldapserver_id);
    REQUIRE(example.servers.size() == 5);
    const struct {
        const char* type;
        const char* name;
        int port;
        const char* socket;
        int prio;
    } mail[] = {{"imap", "imap.example.com", 143, "STARTTLS", 20},
                {"imap", "imap.example.com", 993, "SSL", 10},
                {"pop", "pop.example.com", 995, "SSL", 10},
                {"smtp", "smtp.example.com", 587, "STARTTLS", 20},
                {"smtp", "smtp.example.com", 465, "SSL", 10}};
    for (std::size_t i = 0; i < 5; ++i) {
        CHECK(example.servers[i].type == mail[i].type);
        CHECK(example.servers[i].name == mail[i].name);
        CHECK(example.servers[i].port == mail[i].port);
        CHECK(example.servers[i].socket_type == mail[i].socket);
        CHECK(example.servers[i].prio == mail[i].prio);
        CHECK(example.servers[i].user_name == "%EMAILADDRESS%");
        CHECK(example.servers[i].authentication == "plain");
    }
    REQUIRE(example.dav_servers.size() == 2);
    CHECK(example.dav_servers[0].type == "caldav");
    CHECK(example.dav_servers[0].url == "https://dav.example.com/caldav/%EMAILADDRESS%/");
    CHECK(example.dav_servers[0].port == 0);
    CHECK(example.dav_servers[0].use_ssl);
    CHECK(example.dav_servers[0].domain_required);
    CHECK(example.dav_servers[0].user_name == std::optional<std::string>("%EMAILADDRESS%"));
    CHECK(example.dav_servers[1].type == "carddav");
    CHECK(example.dav_servers[1].url == "https://dav.example.com/carddav/");
    CHECK(example.dav_servers[1].port == 443);
    CHECK(example.dav_servers[1].use_ssl);
    CHECK_FALSE(example.dav_servers[1].domain_required);
    CHECK(example.dav_servers[1].user_name == std::optional<std::string>("%EMAILLOCALPART%"));

    const auto& other = seed.providers[1];
    CHECK(other.name == "Other Provider GmbH");
    CHECK(other.short_name == "Other");
    REQUIRE(other.domains.size() == 1);
    CHECK(other.domains[0].name == "other.example");
    REQUIRE(other.servers.size() == 3);
    CHECK(other.servers[0].type == "pop");
    CHECK(other.servers[0].port == 110);
    CHECK(other.servers[0].socket_type == "plain");
    CHECK(other.servers[0].prio == 10);
    CHECK(other.servers[1].port == 995);
    CHECK(other.servers[1].socket_type == "SSL");
    CHECK(other.servers[1].prio == 20);
    CHECK(other.servers[2].type == "smtp");
    CHECK(other.servers[2].name == "mail.other.example");
    CHECK(other.servers[2].port == 587);
    CHECK(other.servers[2].socket_type == "STARTTLS");
    for (const auto& s : other.servers) {
        CHECK(s.user_name == "%EMAILLOCALPART%");
        CHECK(s.authentication == "plain");
    }
    CHECK(other.dav_servers.empty());

    CHECK(seed.providers[2].name == "Serverless Inc.");
    CHECK(seed.providers[2].short_name == "Serverless");
    CHECK(seed.providers[2].domains.at(0).name == "serverless.example");
    CHECK(seed.providers[2].servers.empty());

    const auto& broken = seed.providers[3];
    CHECK(broken.name == "Broken Config Corp.");
    CHECK(broken.short_name == "Broken");
    CHECK(broken.domains.at(0).name == "broken.example");
    REQUIRE(broken.servers.size() == 2);
    CHECK(broken.servers[0].name == "imap.broken.example");
    CHECK(broken.servers[1].type == "exchange");
    CHECK(broken.servers[1].name == "ex.broken.example");
    CHECK(broken.servers[1].port == 443);
    CHECK(broken.servers[1].prio == 20);
    for (std::size_t i = 0; i < 4; ++i) {
        CHECK(seed.providers[i].endpoints.empty());
        CHECK_FALSE(seed.providers[i].oauth2);
    }

    // SPEC §16: the one provider with OAuth2 settings and URL endpoints.
    const auto& groupware = seed.providers[4];
    CHECK(groupware.name == "Groupware Example AG");
    CHECK(groupware.domains.at(0).name == "groupware.example");
    REQUIRE(groupware.servers.size() == 2);
    for (const auto& s : groupware.servers) {
        CHECK(s.authentication == "OAuth2");
        CHECK(s.socket_type == "SSL");
    }
    REQUIRE(groupware.endpoints.size() == 3);
    CHECK(groupware.endpoints[0].type == "activesync");
    CHECK(groupware.endpoints[1].type == "ews");
    CHECK(groupware.endpoints[2].type == "jmap");
    REQUIRE(groupware.oauth2);
    CHECK(groupware.oauth2->issuer == "https://login.groupware.example");
    CHECK(groupware.oauth2->token_url ==
          std::optional<std::string>("https://login.groupware.example/token"));

    SECTION("LDAP from the environment") {
        ::setenv("LDAP_HOSTNAME", "ldap.example.com", 1);
        ::setenv("LDAP_PORT", "389", 1);
        ::setenv("LDAP_BIND_USER", "cn=admin", 1);
        ::setenv("LDAP_BIND_PASSWORD", "secret", 1);
        ::unsetenv("LDAP_SEARCH_BASE");
        seed = automx2::sample_seed();
        ::unsetenv("LDAP_HOSTNAME");
        ::unsetenv("LDAP_PORT");
        ::unsetenv("LDAP_BIND_USER");
        ::unsetenv("LDAP_BIND_PASSWORD");
        REQUIRE(seed.ldap_servers.size() == 1);
        const auto& l = seed.ldap_servers[0];
        CHECK(l.id == 1);
        CHECK(l.name == "ldap.example.com");
        CHECK(l.port == 389);
        CHECK_FALSE(l.use_ssl);
        CHECK(l.search_base == "dc=example,dc=com");
        CHECK(l.search_filter == "(mail={0})");
        CHECK(l.attr_uid == "uid");
        CHECK(l.attr_cn == std::optional<std::string>("cn"));
        CHECK(l.bind_user == std::optional<std::string>("cn=admin"));
        CHECK(l.bind_password == std::optional<std::string>("secret"));
        CHECK(seed.providers[0].domains[0].ldapserver_id == 1L);
        CHECK_FALSE(seed.providers[0].domains[1].ldapserver_id);
    }
    SECTION("LDAP defaults") {
        ::setenv("LDAP_HOSTNAME", "ldap.example.com", 1);
        seed = automx2::sample_seed();
        ::unsetenv("LDAP_HOSTNAME");
        REQUIRE(seed.ldap_servers.size() == 1);
        CHECK(seed.ldap_servers[0].port == 636);
        CHECK(seed.ldap_servers[0].use_ssl);
        CHECK_FALSE(seed.ldap_servers[0].bind_user);
    }
}
