// The management API under /api/v1/ (SPEC §15): access (admin_tokens_file,
// admin_allowed_from, bearer token), routing, and the answers. Every refusal is an RFC
// 9457 problem document; every change is logged with the token's name.
#pragma once

#include <string_view>

#include "core/dispatcher.h"
#include "core/http.h"

namespace automx2::api {

bool is_api_path(std::string_view path);

// Answers every request under /api/; never throws.
Response handle(const Request& request, const Services& services) noexcept;

}  // namespace automx2::api
