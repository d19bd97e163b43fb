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
Response handle_mobileconfig(const Request& request, const Services& services);
Response handle_initdb(const Request& request, const Services& services);

}  // namespace automx2
