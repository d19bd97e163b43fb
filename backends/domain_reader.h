// The management API's reads (SPEC §15) on one session: a keyset page of domain names,
// and the export as seeds, one provider at a time (memory bounded by the largest
// provider, never by the number of domains). Throws soci::soci_error.
#pragma once

#include <soci/soci.h>

#include <functional>
#include <string>

#include "core/domain_change.h"

namespace automx2 {

DomainPage read_domain_page(soci::session& sql, const std::string& prefix, const std::string& after,
                            std::size_t limit);

void read_export(soci::session& sql, const std::function<void(const ExportSeed&)>& sink);

}  // namespace automx2
