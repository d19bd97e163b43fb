// The CGI/1.1 variables of one request (as FastCGI passes them) turned into the core's
// Request, without libfcgi: the FastCGI layer supplies the lookup and the body chunks,
// the fuzz harnesses and unit tests supply their own.
#pragma once

#include <cstddef>
#include <functional>
#include <string_view>

#include "core/config.h"
#include "core/http.h"

namespace automx2 {

// Looks a CGI variable up by name; an absent variable is an empty view. The view must
// stay valid until make_request returns.
using CgiLookup = std::function<std::string_view(const char* name)>;

// Method, path (of REQUEST_URI, else SCRIPT_NAME + PATH_INFO, percent-decoded), query,
// content type, and the client's address, host and scheme after config.proxy_count.
// The body is left empty; body_too_large is set when CONTENT_LENGTH declares more than
// config.max_body_size (the caller then reads nothing into memory). Never throws for
// any input but std::bad_alloc.
Request make_request(const CgiLookup& env, const Config& config);

// Appends one chunk of the body read from the web server. When the body would exceed
// `limit`, the body is discarded, body_too_large set, and false returned: the caller
// drains the rest without keeping it.
// The body limit of the request's path: max_admin_body_size for the management API
// (/api/), max_body_size elsewhere.
std::size_t body_limit(const Request& request, const Config& config);

bool append_body(Request& request, std::string_view chunk, std::size_t limit);

}  // namespace automx2
