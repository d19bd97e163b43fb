// Pure helpers for the LDAP lookup, kept apart so they are unit-tested without a server.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/model.h"

namespace automx2 {

// RFC 4515 §3: in an assertion value, '*', '(', ')', '\' and NUL must be written as
// \2a, \28, \29, \5c and \00. Everything else passes unchanged (UTF-8 is allowed).
std::string escape_filter_value(std::string_view value);

// The server's search_filter formatted as automx2 does with Python's str.format(address):
// "{0}" and "{}" become the escaped address, "{{" and "}}" single braces; any other
// text, including other "{...}" fields, is kept as written.
std::string build_filter(std::string_view search_filter, std::string_view address);

// ldaps://name:port when use_ssl, else ldap://name:port; IPv6 literals in brackets.
std::string ldap_uri(const LdapServerRow& server);

// The longest uid or cn taken from a directory (a login name or a display name).
inline constexpr std::size_t kMaxDirectoryValue = 256;

// Whether an attribute value can go into the documents: 1..kMaxDirectoryValue bytes of
// well-formed UTF-8 (no overlong forms, surrogates or code points above U+10FFFF)
// without control characters (C0, DEL, C1).
bool usable_directory_value(std::string_view value);

}  // namespace automx2
