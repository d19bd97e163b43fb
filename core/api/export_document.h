// The export document (SPEC §15) written chunk by chunk, for GET /api/v1/export and the
// export command alike: {"version": 2, "seeds": [...], "skipped": [...]}.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/store.h"

namespace automx2::api {

// Writes the document seed by seed (memory bounded by the largest seed). A server the
// import would refuse (a type the service does not serve, a word outside the
// vocabulary) is left out of its seed, so that every export imports back; each one is
// listed under "skipped" (only when there is one) and returned as a line for the log.
std::vector<std::string> write_export(Store& store,
                                      const std::function<void(std::string_view)>& write);

}  // namespace automx2::api
