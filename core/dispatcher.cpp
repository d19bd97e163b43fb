#include "core/dispatcher.h"

#include <array>

#include "core/api/api.h"
#include "core/errors.h"
#include "core/handlers.h"
#include "core/log.h"
#include "core/pages/setup_page.h"
#include "core/text.h"

namespace automx2 {
namespace {

struct RouteEntry {
    std::string_view path;
    Route route;
    bool case_insensitive;
};

// The one explicit list of routes (SPEC §6); anything else is 404.
constexpr std::array<RouteEntry, 14> routes{{
    {"/", Route::index, false},
    {"/mail/config-v1.1.xml", Route::autoconfig, false},
    {"/.well-known/autoconfig/mail/config-v1.1.xml", Route::autoconfig, false},
    // The IETF mailmaint autoconfig draft's location.
    {"/.well-known/mail-v1.xml", Route::autoconfig, false},
    // Outlook and other clients vary the case of this path.
    {"/autodiscover/autodiscover.xml", Route::autodiscover, true},
    {"/autodiscover/autodiscover.json", Route::autodiscover_json, true},
    {"/mobileconfig", Route::mobileconfig, false},
    {"/mobileconfig/", Route::mobileconfig, false},
    {"/initdb", Route::initdb, false},
    {"/initdb/", Route::initdb, false},
    {"/setup", Route::setup, false},
    {"/setup.css", Route::setup_css, false},
    {"/setup/qr.svg", Route::setup_qr, false},
    {"/.well-known/user-agent-configuration.json", Route::pacc, false},
}};

bool method_allowed(Route route, std::string_view method) {
    std::string_view allow = allowed_methods(route);
    std::size_t start = 0;
    while (start < allow.size()) {
        std::size_t end = allow.find(',', start);
        if (end == std::string_view::npos)
            end = allow.size();
        std::string_view item = allow.substr(start, end - start);
        while (!item.empty() && item.front() == ' ')
            item.remove_prefix(1);
        if (item == method)
            return true;
        start = end + 1;
    }
    return false;
}

Response error_response(int status, std::string_view message) {
    Response response = Response::text(status, std::string(message) + "\n");
    if (status == 503) {
        response.headers.emplace_back("Retry-After", "5");
    }
    return response;
}

}  // namespace

Route match_route(std::string_view path) {
    for (const auto& entry : routes) {
        if (entry.case_insensitive ? text::iequals(path, entry.path) : path == entry.path) {
            return entry.route;
        }
    }
    // Autodiscover v2's second form carries the address in the path.
    constexpr std::string_view v2_prefix = "/autodiscover/autodiscover.json/v1.0/";
    if (path.size() > v2_prefix.size() && text::istarts_with(path, v2_prefix)) {
        return Route::autodiscover_json;
    }
    return Route::not_found;
}

std::string_view allowed_methods(Route route) {
    switch (route) {
        case Route::index:
        case Route::autoconfig:
        case Route::autodiscover_json:
        case Route::mobileconfig:
        case Route::pacc:
        case Route::setup:
        case Route::setup_css:
        case Route::setup_qr:
            return "GET, HEAD, OPTIONS";
        case Route::autodiscover:
            return "POST, OPTIONS";
        // No HEAD: a HEAD would run GET's initialisation.
        case Route::initdb:
            return "GET, POST, DELETE, OPTIONS";
        case Route::not_found:
            return "";
    }
    return "";
}

Response Dispatcher::handle(const Request& request) const noexcept {
    if (api::is_api_path(request.path)) {
        return api::handle(request, services_);  // its own errors: RFC 9457 documents
    }
    const std::string where = request.method + " " + request.path;
    try {
        Response response = [&] {
            Route found = match_route(request.path);
            if (found == Route::not_found) {
                return error_response(404, "Not found");
            }
            if (!method_allowed(found, request.method)) {
                Response refused = error_response(405, "Method not allowed");
                refused.headers.emplace_back("Allow", std::string(allowed_methods(found)));
                return refused;
            }
            if (request.method == "OPTIONS") {
                Response options = Response::text(200, "");
                options.headers.emplace_back("Allow", std::string(allowed_methods(found)));
                return options;
            }
            if (request.body_too_large) {
                log::warning(where + ": request body larger than " +
                             std::to_string(services_.config.max_body_size) + " bytes");
                return error_response(413, "Request body too large");
            }
            const bool cacheable = found == Route::autoconfig || found == Route::autodiscover ||
                                   found == Route::mobileconfig || found == Route::pacc ||
                                   found == Route::setup || found == Route::setup_qr;
            return cacheable && services_.cache != nullptr ? cached(request, found)
                                                           : route(request, found);
        }();
        log::debug(where + " → " + std::to_string(response.status));
        return response;
    } catch (const BadRequest& e) {
        log::warning(where + ": bad request: " + e.what());
        return error_response(400, std::string("Bad request: ") + e.what());
    } catch (const BadData& e) {
        log::error(where + ": invalid data in the database: " + e.what());
        return error_response(400, "Bad request: invalid configuration data for this domain");
    } catch (const BackendUnavailable& e) {
        log::error(where + ": backend unavailable: " + e.what());
        return error_response(503, "Service temporarily unavailable");
    } catch (const std::exception& e) {
        log::error(where + ": internal error: " + e.what());
        return error_response(500, "Internal server error");
    } catch (...) {
        log::error(where + ": internal error of unknown type");
        return error_response(500, "Internal server error");
    }
}

// The three protocols' answers and the setup page depend only on the request and the data: kept per
// thread while the store says nothing changed (core/response_cache.h).
Response Dispatcher::cached(const Request& request, Route route) const {
    const ResponseCache& cache = *services_.cache;
    std::optional<std::string> key = ResponseCache::key(request, static_cast<int>(route));
    const std::optional<std::uint64_t> token = services_.store.change_token();
    if (!key || !cache.enabled(token.has_value())) {
        return this->route(request, route);
    }
    const auto now = ResponseCache::Clock::now();
    if (auto hit = cache.find(*key, token, now)) {
        return std::move(*hit);
    }
    Response response = this->route(request, route);
    cache.store(std::move(*key), response,
                response.from_directory ? AnswerSource::directory : AnswerSource::database, token,
                now);
    return response;
}

Response Dispatcher::route(const Request& request, Route route) const {
    switch (route) {
        case Route::index:
            return handle_index(request, services_);
        case Route::autoconfig:
            return handle_autoconfig(request, services_);
        case Route::autodiscover:
            return handle_autodiscover(request, services_);
        case Route::autodiscover_json:
            return handle_autodiscover_json(request, services_);
        case Route::mobileconfig:
            return handle_mobileconfig(request, services_);
        case Route::pacc:
            return handle_pacc(request, services_);
        case Route::initdb:
            return handle_initdb(request, services_);
        case Route::setup:
            return handle_setup(request, services_);
        case Route::setup_css:
            return handle_setup_css(request, services_);
        case Route::setup_qr:
            return handle_setup_qr(request, services_);
        case Route::not_found:
            break;
    }
    return error_response(404, "Not found");
}

}  // namespace automx2
