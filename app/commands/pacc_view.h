// What one domain publishes over PACC and where Autoconfig keeps cleartext (SPEC §16),
// computed the way the service answers (the same resolver path, so the same bytes):
// shared by `dns`, `lookup --protocol pacc` and `--check-config`.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/store.h"
#include "core/vocabulary.h"

namespace automx2 {

struct PaccView {
    std::optional<std::string> body;         // nullopt: the service answers 404
    std::vector<std::string> left_out;       // one line per server PACC cannot express
    std::vector<std::string> protocols;      // the members of "protocols", in order
    std::vector<ServerType> cleartext_only;  // types Autoconfig lists only in cleartext
};

// nullopt: the domain is not in the database. Throws BadData, BackendUnavailable.
std::optional<PaccView> view_pacc(Store& store, const std::string& domain);

}  // namespace automx2
