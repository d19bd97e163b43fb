// What PACC leaves out of a domain's document (SPEC §16), logged once per domain and
// process rather than on every request: the same lines again are not repeated; a
// domain whose lines change (the data changed) is logged again.
#pragma once

#include <string>
#include <vector>

namespace automx2 {

// Logs `left_out` for `domain` at WARNING unless this process already logged exactly
// these lines for it. Returns whether it logged. Thread-safe.
bool note_pacc_left_out(const std::string& domain, const std::vector<std::string>& left_out);

}  // namespace automx2
