// One handler per route; each reads the request, asks the resolver or the store, and
// lets a builder write the document. Errors are thrown (see core/errors.h) and turned
// into statuses by the dispatcher.
#pragma once

#include "core/dispatcher.h"
#include "core/http.h"

namespace automx2 {

Response handle_index(const Request& request, const Services& services);
Response handle_autoconfig(const Request& request, const Services& services);
Response handle_autodiscover(const Request& request, const Services& services);
// Autodiscover v2 (SPEC §12): GET /autodiscover/autodiscover.json?Email=&Protocol= and
// /autodiscover/autodiscover.json/v1.0/{address}?Protocol=. The answer does not depend
// on the address (Microsoft's service is lenient there too); only Protocol matters.
Response handle_autodiscover_json(const Request& request, const Services& services);
Response handle_mobileconfig(const Request& request, const Services& services);
// PACC (SPEC §16): GET /.well-known/user-agent-configuration.json for the domain named by
// Host (minus a leading "ua-auto-config."): 200 JSON, 204 unknown domain, 404 when
// nothing can be expressed, 400 without a usable Host.
Response handle_pacc(const Request& request, const Services& services);
Response handle_initdb(const Request& request, const Services& services);

}  // namespace automx2
