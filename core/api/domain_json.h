// JSON of the management API (SPEC §15): the domain view, a PUT body as a DomainPlan, an
// import body as a ChangeSet, an export seed, an import's answer. Invalid input throws
// Problem(400) naming each bad field by JSON pointer.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/domain_change.h"
#include "core/model.h"

namespace automx2::api {

// Never holds a bind password.
nlohmann::ordered_json domain_view(const DomainRecord& record);

// `name` is the domain of the path, already normalised.
DomainPlan parse_domain_body(const std::string& name, std::string_view body);

// A version-2 seed, a legacy seed, an array of seeds or an export document.
ChangeSet parse_import_body(std::string_view body);

// One seed of an export, as compact JSON text.
std::string export_seed_json(const ExportSeed& seed);

nlohmann::ordered_json outcome_json(const ChangeOutcome& outcome, bool dry_run);

}  // namespace automx2::api
