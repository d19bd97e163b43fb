// Pure helpers for the LDAP lookup, kept apart so they are unit-tested without a server.
#pragma once

#include <string>
#include <string_view>

#include "core/model.h"

namespace automx2 {

// RFC 4515 §3: in an assertion value, '*', '(', ')', '\' and NUL must be written as
// \2a, \28, \29, \5c and \00. Everything else passes unchanged (UTF-8 is allowed).
std::string escape_filter_value(std::string_view value);

// The server's search_filter with every "{0}" replaced by the escaped address
// (automx2 formats the filter with str.format; only {0} is meaningful).
std::string build_filter(std::string_view search_filter, std::string_view address);

// ldaps://name:port when use_ssl, else ldap://name:port; IPv6 literals in brackets.
std::string ldap_uri(const LdapServerRow& server);

}  // namespace automx2
