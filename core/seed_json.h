// parse_seed() for a seed already parsed as JSON, inside a larger document (the
// management API's import: an array of seeds or an export document).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/seed.h"

namespace automx2 {

struct SeedRules {
    bool require_mail_server = true;  // /initdb/; an import accepts a seed without servers
    bool check_ldap_refs = true;      // an import checks them when writing, across seeds
};

// `base` prefixes every path in error messages ("seeds[3]"; empty: the top level).
Seed parse_seed_value(const nlohmann::json& document, const std::string& base,
                      const std::vector<long>& stored_ldap_ids, SeedRules rules);

}  // namespace automx2
