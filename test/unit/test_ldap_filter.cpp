#include <catch2/catch.hpp>

#include "backends/ldap_filter.h"

using namespace automx2;

TEST_CASE("RFC 4515 escaping of assertion values", "[ldap]") {
    CHECK(escape_filter_value("jane@example.com") == "jane@example.com");
    CHECK(escape_filter_value("*") == "\\2a");
    CHECK(escape_filter_value("(") == "\\28");
    CHECK(escape_filter_value(")") == "\\29");
    CHECK(escape_filter_value("\\") == "\\5c");
    CHECK(escape_filter_value(std::string("a\0b", 3)) == "a\\00b");
    CHECK(escape_filter_value("*)(uid=*)") == "\\2a\\29\\28uid=\\2a\\29");
    CHECK(escape_filter_value("jürgen") == "jürgen");
    // Already-escaped input is escaped again, not trusted.
    CHECK(escape_filter_value("\\2a") == "\\5c2a");
}

TEST_CASE("the address replaces every {0} of the filter", "[ldap]") {
    CHECK(build_filter("(mail={0})", "jane@example.com") == "(mail=jane@example.com)");
    CHECK(build_filter("(|(mail={0})(alias={0}))", "a*b@x") ==
          "(|(mail=a\\2ab@x)(alias=a\\2ab@x))");
    CHECK(build_filter("(objectClass=person)", "x@y") == "(objectClass=person)");
    CHECK(build_filter("(mail={0})", "*)(uid=*)(x=@example.com") ==
          "(mail=\\2a\\29\\28uid=\\2a\\29\\28x=@example.com)");
}

TEST_CASE("LDAP URIs from the ldapserver row", "[ldap]") {
    LdapServerRow row;
    row.name = "ldap.example.com";
    row.port = 636;
    row.use_ssl = true;
    CHECK(ldap_uri(row) == "ldaps://ldap.example.com:636");
    row.use_ssl = false;
    row.port = 389;
    CHECK(ldap_uri(row) == "ldap://ldap.example.com:389");
    row.name = "::1";
    CHECK(ldap_uri(row) == "ldap://[::1]:389");
}
