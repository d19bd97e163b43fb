// automx2-fcgi [--config FILE] lookup ADDRESS --protocol autoconfig|autodiscover|mobileconfig|pacc
//
// Runs the request the web route would get through the same Dispatcher and prints the
// body on stdout (byte for byte what a client gets) and the status and headers on
// stderr. Exit 0 on 200, 1 on 204, 2 otherwise. pacc takes an address or a domain and
// also prints what is left out and the TXT record on stderr.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>

#include "app/command_line.h"
#include "core/http.h"

namespace automx2 {

int run_lookup(const CommandLine& line, std::ostream& out, std::ostream& err);

enum class LookupProtocol { autoconfig, autodiscover, mobileconfig, pacc };

std::optional<LookupProtocol> parse_lookup_protocol(std::string_view name);

// The request a client sends for `address` on the protocol's web route.
Request lookup_request(const std::string& address, LookupProtocol protocol);

}  // namespace automx2
