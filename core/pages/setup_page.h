// The setup page for people (issue 16): GET /setup?emailaddress=A[&name=N][&lang=de]
// shows the settings of the same resolved DomainSettings the protocols use, per-client
// steps, the Apple profile link and its QR code; GET / carries the form.
#pragma once

#include "core/dispatcher.h"
#include "core/http.h"

namespace automx2 {

Response handle_setup(const Request& request, const Services& services);

// GET /setup/qr.svg?emailaddress=A[&name=N]: the QR code of the absolute profile URL
// (scheme and host as the request gives them), image/svg+xml; 400 for a bad address.
Response handle_setup_qr(const Request& request, const Services& services);

// GET /setup.css: the page's one stylesheet (a CSP without 'unsafe-inline' forbids
// inline style).
Response handle_setup_css(const Request& request, const Services& services);

// The index (GET /, database initialised): the form, in the request's language.
Response setup_index_page(const Request& request);

// Content-Security-Policy, nosniff, no-referrer and friends, on every page of this unit.
void add_page_security_headers(Response& response);

}  // namespace automx2
