// Routes a Request to its handler (SPEC §6) and turns every outcome into a Response.
// This is the one place that catches: BadRequest/BadData → 400, BackendUnavailable →
// 503, anything else → 500; the client gets a short text, the log gets the reason.
#pragma once

#include <string_view>

#include "core/config.h"
#include "core/http.h"
#include "core/resolver.h"
#include "core/response_cache.h"
#include "core/store.h"

namespace automx2 {

class ProfileSigner;

enum class Route {
    index,
    autoconfig,
    autodiscover,
    autodiscover_json,  // Autodiscover v2 (SPEC §12), both URL forms
    mobileconfig,
    pacc,  // SPEC §16
    initdb,
    setup,      // the setup page for people (issue 16)
    setup_css,  // its stylesheet
    setup_qr,   // its QR code image
    not_found,
};

// The route of a path (the path of REQUEST_URI, no query).
Route match_route(std::string_view path);

// Methods a route answers, for 405's Allow header ("GET, HEAD, OPTIONS").
std::string_view allowed_methods(Route route);

struct Services {
    const Config& config;
    Store& store;
    Resolver& resolver;
    // Signs Mobileconfig profiles when configured (SPEC §12); null: unsigned.
    ProfileSigner* signer = nullptr;
    // Rendered answers of the three protocols (issue 14); null: every answer is made.
    const ResponseCache* cache = nullptr;
};

class Dispatcher {
  public:
    explicit Dispatcher(Services services) : services_(services) {}
    Response handle(const Request& request) const noexcept;

  private:
    Response route(const Request& request, Route route) const;
    Response cached(const Request& request, Route route) const;
    Services services_;
};

}  // namespace automx2
