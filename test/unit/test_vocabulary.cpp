#include <catch2/catch.hpp>

#include "core/vocabulary.h"

using namespace automx2;

TEST_CASE("parse_authentication knows automx2's and Thunderbird's words", "[vocabulary]") {
    CHECK(parse_authentication("plain") == Authentication::cleartext);
    CHECK(parse_authentication("PLAIN") == Authentication::cleartext);
    CHECK(parse_authentication("password-cleartext") == Authentication::cleartext);
    CHECK(parse_authentication("password-encrypted") == Authentication::encrypted);
    CHECK(parse_authentication("NTLM") == Authentication::ntlm);
    CHECK(parse_authentication("ntlm") == Authentication::ntlm);
    CHECK(parse_authentication("GSSAPI") == Authentication::gssapi);
    CHECK(parse_authentication("OAuth2") == Authentication::oauth2);
    CHECK(parse_authentication("oauth2") == Authentication::oauth2);
    CHECK(parse_authentication("client-IP-address") == Authentication::client_ip);
    CHECK(parse_authentication("none") == Authentication::none);
    CHECK(parse_authentication("None") == Authentication::none);
    CHECK_FALSE(parse_authentication(""));
    CHECK_FALSE(parse_authentication("cram-md5"));
    CHECK_FALSE(parse_authentication("plain "));
    CHECK_FALSE(parse_authentication("password"));
}

TEST_CASE("parse_server_type and parse_dav_type", "[vocabulary]") {
    CHECK(parse_server_type("imap") == ServerType::imap);
    CHECK(parse_server_type("IMAP") == ServerType::imap);
    CHECK(parse_server_type("pop") == ServerType::pop);
    CHECK(parse_server_type("smtp") == ServerType::smtp);
    CHECK_FALSE(parse_server_type("pop3"));
    CHECK_FALSE(parse_server_type("exchange"));
    CHECK_FALSE(parse_server_type(""));
    CHECK(parse_dav_type("caldav") == DavType::caldav);
    CHECK(parse_dav_type("CardDAV") == DavType::carddav);
    CHECK_FALSE(parse_dav_type("webdav"));
}

TEST_CASE("vocabulary: socket types, case-insensitive, with encrypted()", "[vocabulary]") {
    CHECK(parse_socket_type("SSL") == SocketType::ssl);
    CHECK(parse_socket_type("ssl") == SocketType::ssl);
    CHECK(parse_socket_type("StartTLS") == SocketType::starttls);
    CHECK(parse_socket_type("plain") == SocketType::plain);
    CHECK(parse_socket_type("auto") == SocketType::automatic);
    CHECK(parse_socket_type("None") == SocketType::none);
    CHECK_FALSE(parse_socket_type("TLS"));
    CHECK_FALSE(parse_socket_type(""));
    CHECK(encrypted(SocketType::ssl));
    CHECK(encrypted(SocketType::starttls));
    CHECK_FALSE(encrypted(SocketType::plain));
    CHECK_FALSE(encrypted(SocketType::automatic));
    CHECK_FALSE(encrypted(SocketType::none));
    CHECK(encrypted_socket("starttls"));
    CHECK_FALSE(encrypted_socket("TLS"));
}

TEST_CASE("vocabulary: words written back and listed", "[vocabulary]") {
    CHECK(word(ServerType::pop) == "pop");
    CHECK(word(DavType::carddav) == "carddav");
    CHECK(word(SocketType::automatic) == "Auto");
    CHECK(word(Authentication::cleartext) == "plain");
    CHECK(word(Authentication::client_ip) == "client-IP-address");
    CHECK(server_type_words() == "imap, pop, smtp");
    CHECK(dav_type_words() == "caldav, carddav");
    CHECK(socket_type_words() == "SSL, STARTTLS, plain, Auto, None");
    CHECK(authentication_words() ==
          "plain, password-cleartext, password-encrypted, NTLM, GSSAPI, OAuth2, "
          "client-IP-address, none");
    // Every listed word parses back to the value it was written for.
    for (auto a : {Authentication::cleartext, Authentication::encrypted, Authentication::ntlm,
                   Authentication::gssapi, Authentication::oauth2, Authentication::client_ip,
                   Authentication::none}) {
        CHECK(parse_authentication(word(a)) == a);
    }
}

TEST_CASE("vocabulary: boolean columns read as text", "[vocabulary]") {
    for (const char* yes : {"1", "t", "T", "true", "y", "Yes", "on"}) {
        CHECK(stored_flag(yes));
    }
    for (const char* no : {"0", "f", "false", "n", "no", "off", "", "2", "maybe"}) {
        CHECK_FALSE(stored_flag(no));
    }
}

TEST_CASE("vocabulary: defaults of SPEC §2 and §10", "[vocabulary]") {
    CHECK(defaults::prio == 10);
    CHECK(defaults::user_name == "%EMAILADDRESS%");
    CHECK(defaults::authentication == "plain");
    CHECK(defaults::socket_type == "STARTTLS");
    CHECK(defaults::mail_port(ServerType::imap) == 993);
    CHECK(defaults::mail_port(ServerType::pop) == 995);
    CHECK(defaults::mail_port(ServerType::smtp) == 465);
    CHECK(defaults::socket_type_for_port(465) == "SSL");
    CHECK(defaults::socket_type_for_port(993) == "SSL");
    CHECK(defaults::socket_type_for_port(995) == "SSL");
    CHECK(defaults::socket_type_for_port(587) == "STARTTLS");
    CHECK(defaults::socket_type_for_port(143) == "STARTTLS");
    CHECK(defaults::dav_use_ssl("https://dav.example.com/"));
    CHECK_FALSE(defaults::dav_use_ssl("http://dav.example.com/"));
    CHECK(defaults::dav_domain_required);
    CHECK(defaults::dav_port == 0);
    CHECK(defaults::ldap_port == 636);
    CHECK(defaults::ldap_use_ssl(636));
    CHECK_FALSE(defaults::ldap_use_ssl(389));
    CHECK(defaults::ldap_search_filter == "(mail={0})");
    CHECK(defaults::ldap_attr_uid == "uid");
    CHECK(defaults::ldap_attr_cn == "cn");
}
