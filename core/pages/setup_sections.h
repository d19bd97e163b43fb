// The parts of the setup page that depend on the resolved settings: the settings
// tables, the per-client steps, the profile link and its QR code; and the small
// template filler the page uses.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/address.h"
#include "core/http.h"
#include "core/pages/page_text.h"
#include "core/settings.h"

namespace automx2::pages {

using Fields = std::vector<std::pair<std::string_view, std::string>>;

// Replaces each open+key+close in `text` by its value, in one pass: the values (markup
// the caller escaped) are never scanned again. Unknown keys stay as they are.
std::string fill(std::string_view text, const Fields& fields, std::string_view open = "{{",
                 std::string_view close = "}}");

// This page's URL in another language: the same path and address, name; ?lang= set.
std::string self_link(const Request& request, Lang lang);

// /mobileconfig/?emailaddress=…[&name=…], relative.
std::string profile_path(const Address& address, const std::optional<std::string>& name);

// scheme://host of the request (after proxy_count), or nullopt when the Host is not
// usable in a URL (then the page shows no QR code, only the relative link).
std::optional<std::string> request_origin(const Request& request);

// The body of the settings page below its <h1>.
std::string result_content(const Request& request, const DomainSettings& settings,
                           const Address& address, const std::optional<std::string>& name,
                           Lang lang);

}  // namespace automx2::pages
