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

TEST_CASE("the filter is formatted as Python's str.format does", "[ldap]") {
    CHECK(build_filter("(mail={})", "jane@example.com") == "(mail=jane@example.com)");
    CHECK(build_filter("(&(mail={0})(x={{y}}))", "a@b") == "(&(mail=a@b)(x={y}))");
    // Other fields are kept as written, never filled with anything.
    CHECK(build_filter("(mail={1})", "a@b") == "(mail={1})");
    CHECK(build_filter("(mail={0", "a@b") == "(mail={0");
    // The address itself is never formatted again.
    CHECK(build_filter("(mail={0})", "{0}@example.com") == "(mail={0}@example.com)");
    CHECK(build_filter("(mail={0})", "{{x}}@example.com") == "(mail={{x}}@example.com)");
    CHECK(build_filter("", "a@b").empty());
}

TEST_CASE("every metacharacter of a crafted address is escaped", "[ldap]") {
    // Addresses that pass the address rule (SPEC §4) but try to widen the filter.
    const char* crafted[] = {
        "*@example.com",     "*)(uid=*)@example.com", "jane)(|(uid=*)@example.com",
        "a\\5c@example.com", "a\\2a@example.com",     "x\\00@example.com"};
    for (const char* address : crafted) {
        INFO(address);
        std::string filter = build_filter("(mail={0})", address);
        // Exactly the outer parentheses remain, and no bare '*' or unescaped '\'.
        CHECK(filter.front() == '(');
        CHECK(filter.back() == ')');
        std::string inner = filter.substr(1, filter.size() - 2);
        CHECK(inner.find_first_of("()*") == std::string::npos);
        for (std::size_t i = 0; i < inner.size(); ++i) {
            if (inner[i] == '\\') {
                REQUIRE(i + 2 < inner.size());
                std::string hex = inner.substr(i + 1, 2);
                CHECK((hex == "2a" || hex == "28" || hex == "29" || hex == "5c" || hex == "00"));
            }
        }
    }
    CHECK(build_filter("(mail={0})", "a\\5c@example.com") == "(mail=a\\5c5c@example.com)");
}

TEST_CASE("LDAP URIs for other ports and address forms", "[ldap]") {
    LdapServerRow row;
    row.name = "127.0.0.1";
    row.port = 10636;
    row.use_ssl = true;
    CHECK(ldap_uri(row) == "ldaps://127.0.0.1:10636");
    row.name = "[2001:db8::1]";
    row.use_ssl = false;
    CHECK(ldap_uri(row) == "ldap://[2001:db8::1]:10636");
    row.name = "2001:db8::1";
    CHECK(ldap_uri(row) == "ldap://[2001:db8::1]:10636");
}

TEST_CASE("directory values that may go into the documents", "[ldap]") {
    CHECK(usable_directory_value("jdoe"));
    CHECK(usable_directory_value("Jürgen Müller"));
    CHECK(usable_directory_value("Pat O'Neil & <Co>"));
    CHECK(usable_directory_value("\xf0\x9f\x93\xa7 mail"));  // U+1F4E7, 4 bytes
    CHECK(usable_directory_value(std::string(kMaxDirectoryValue, 'a')));
    CHECK_FALSE(usable_directory_value(""));
    CHECK_FALSE(usable_directory_value(std::string(kMaxDirectoryValue + 1, 'a')));
    CHECK_FALSE(usable_directory_value("tab\there"));
    CHECK_FALSE(usable_directory_value("line\nbreak"));
    CHECK_FALSE(usable_directory_value(std::string("nul\0x", 5)));
    CHECK_FALSE(usable_directory_value("del\x7f"));
    CHECK_FALSE(usable_directory_value("c1\xc2\x85"));        // U+0085 NEL
    CHECK_FALSE(usable_directory_value("latin1 \xfc"));       // not UTF-8
    CHECK_FALSE(usable_directory_value("\xc0\xaf"));          // overlong '/'
    CHECK_FALSE(usable_directory_value("\xe0\x80\xaf"));      // overlong, 3 bytes
    CHECK_FALSE(usable_directory_value("\xed\xa0\x80"));      // surrogate U+D800
    CHECK_FALSE(usable_directory_value("\xf4\x90\x80\x80"));  // above U+10FFFF
    CHECK_FALSE(usable_directory_value("cut \xe2\x82"));      // truncated sequence
    CHECK_FALSE(usable_directory_value("\x80"));              // lone continuation
}
