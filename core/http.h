// The request and response model, independent of FastCGI: the dispatcher and the
// builders see only these, so they are tested without sockets.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/url.h"

namespace automx2 {

struct Request {
    std::string method;        // REQUEST_METHOD, upper case
    std::string path;          // path part of REQUEST_URI, without the query
    std::string query_string;  // raw
    // Decoded query parameters, in order; a name may repeat (first one wins in param()).
    std::vector<std::pair<std::string, std::string>> query;
    std::string content_type;     // CONTENT_TYPE
    std::string host;             // HTTP_HOST (after proxy_count, X-Forwarded-Host)
    std::string scheme = "http";  // HTTPS / X-Forwarded-Proto
    std::string remote_addr;      // the client's address after proxy_count
    std::string accept_language;  // HTTP_ACCEPT_LANGUAGE, for the setup page's language
    // SERVER_PORT when no proxy is configured (behind one it is the proxy's back end);
    // the setup page adds it to a Host without a port (nginx passes $host, portless).
    std::string server_port;
    std::string authorization;  // HTTP_AUTHORIZATION (the management API's bearer token)
    std::string if_match;       // HTTP_IF_MATCH
    std::string body;
    // Set by the FastCGI layer when the declared body exceeds the limit: the body was
    // not read and the dispatcher answers 413.
    bool body_too_large = false;

    std::optional<std::string> param(std::string_view name) const;
};

// Splits and percent-decodes an application/x-www-form-urlencoded query ('+' is a
// space). Malformed escapes are kept literally.
std::vector<std::pair<std::string, std::string>> parse_query(std::string_view query);

// The percent codecs live in core/url.h; this one name stays until the lookup command
// (fcgi/commands.cpp) includes core/url.h itself.
using url::percent_encode;

// &, <, >, " and ' as entities: safe in XML and HTML text and attribute values.
std::string escape_markup(std::string_view text);

struct Response {
    int status = 200;
    std::string content_type;  // empty: no Content-Type (204)
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    // A body too large to hold in memory (the export): the FastCGI layer writes the
    // headers without Content-Length, then calls it with a writer for each chunk. Such
    // an answer is never cached; HEAD does not call it.
    using ChunkWriter = std::function<void(std::string_view)>;
    std::function<void(const ChunkWriter&)> stream{};
    // The answer used an LDAP directory entry: the response cache keeps it only when
    // the operator allows it (ldap_cache_ttl).
    bool from_directory = false;

    static Response text(int status, std::string body);
    static Response html(int status, std::string body);
    static Response xml(std::string body, std::string content_type = "application/xml");
    static Response no_content();

    // The whole body, the stream's chunks included (for tests and small callers).
    std::string full_body() const;
};

const char* status_reason(int status);

}  // namespace automx2
