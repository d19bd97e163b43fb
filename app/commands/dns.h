// automx2-fcgi [--config FILE] dns [DOMAIN…]
//
// The zone-file records of each domain (core/builders/dns_zone.h; every domain of the
// database when none is named). Exit 0; 1 when a named domain is unknown or invalid;
// 2 on configuration or database errors.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "app/command_line.h"
#include "core/store.h"

namespace automx2 {

int run_dns(const CommandLine& line, std::ostream& out, std::ostream& err);

// `dns` over a store: the snippets of `domains` (all of the store when empty) on
// `out`, problems on `err`. Returns the exit status described above.
int print_dns(Store& store, const std::vector<std::string>& domains,
              const std::string& service_host, std::ostream& out, std::ostream& err);

}  // namespace automx2
