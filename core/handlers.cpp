#include "core/handlers.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/builders/autoconfig.h"
#include "core/builders/autodiscover.h"
#include "core/builders/mobileconfig.h"
#include "core/builders/pacc.h"
#include "core/builders/signing.h"
#include "core/errors.h"
#include "core/log.h"
#include "core/pacc_notices.h"
#include "core/pages/setup_page.h"
#include "core/seed.h"
#include "core/templates.h"
#include "core/text.h"

namespace automx2 {
namespace {

Response message_page(std::string_view message) {
    std::string page(templates::get("message.html"));
    page.replace(page.find("{message}"), 9, escape_markup(message));
    return Response::html(200, std::move(page));
}

bool contains_ci(std::string_view haystack, std::string_view needle) {
    auto it = std::search(
        haystack.begin(), haystack.end(), needle.begin(), needle.end(),
        [](unsigned char a, unsigned char b) { return (a >= 'A' && a <= 'Z' ? a + 32 : a) == b; });
    return it != haystack.end();
}

std::optional<std::string> non_empty_param(const Request& request, std::string_view name) {
    auto value = request.param(name);
    if (value && value->empty()) {
        return std::nullopt;
    }
    return value;
}

// Microsoft's service reads query parameter names case-insensitively; clients vary.
std::optional<std::string> param_ignoring_case(const Request& request, std::string_view name) {
    for (const auto& [key, value] : request.query) {
        if (text::iequals(key, name)) {
            return value;
        }
    }
    return std::nullopt;
}

// The host goes into a URL the client will follow: a host name, IPv4 or bracketed IPv6
// literal, optionally with a port; nothing that could break out of the URL or JSON.
Response json_response(int status, const nlohmann::ordered_json& body) {
    return Response{status, "application/json", {}, body.dump()};
}

// A page in any browser can POST text/plain or a form type to this address without a
// CORS preflight, but not application/json: only a body declared as JSON may load a seed.
bool declares_json(std::string_view content_type) {
    return text::iequals(text::trim(content_type.substr(0, content_type.find(';'))),
                         "application/json");
}

// Clients fetch https://ua-auto-config.{domain}/.well-known/user-agent-configuration.json.
std::optional<std::string> pacc_domain(std::string_view host) {
    if (!url::usable_host(host) || host.starts_with('[')) {
        return std::nullopt;
    }
    host = host.substr(0, host.rfind(':'));
    constexpr std::string_view prefix = "ua-auto-config.";
    if (text::istarts_with(host, prefix)) {
        host.remove_prefix(prefix.size());
    }
    return normalise_domain(host);
}

bool initdb_permitted(const Request& request, const Config& config) {
    return std::any_of(
        config.initdb_allowed_from.begin(), config.initdb_allowed_from.end(),
        [&](const Network& network) { return network.contains(request.remote_addr); });
}

}  // namespace

Response handle_index(const Request& request, const Services& services) {
    if (services.store.has_tables()) {
        return setup_index_page(request);  // the setup form (issue 16)
    }
    return Response::html(200, std::string(templates::get("index-uninitialised.html")));
}

Response handle_autoconfig(const Request& request, const Services& services) {
    auto email = non_empty_param(request, "emailaddress");
    if (!email) {
        // SPEC §12: clients that send no address get the domain named by Host, with the
        // placeholders left for the client to fill.
        auto domain = domain_from_host(request.host);
        if (!domain) {
            throw BadRequest("missing emailaddress and no usable Host");
        }
        auto settings = services.resolver.resolve_domain(*domain);
        if (!settings) {
            throw BadRequest("missing emailaddress and unknown domain " + *domain);
        }
        return Response::xml(build_autoconfig(*settings));
    }
    Address address = parse_address(*email);
    auto settings = services.resolver.resolve(address);
    if (!settings) {
        return Response::no_content();
    }
    Response response = Response::xml(build_autoconfig(*settings));
    response.from_directory = settings->from_directory;
    return response;
}

Response handle_autodiscover(const Request& request, const Services& services) {
    if (!contains_ci(request.content_type, "application/xml") &&
        !contains_ci(request.content_type, "text/xml")) {
        throw BadRequest("Content-Type must be application/xml or text/xml");
    }
    AutodiscoverRequest parsed = parse_autodiscover_request(request.body);
    if (parsed.mobilesync_only) {
        return Response::xml(build_autodiscover_error_601());
    }
    Address address = parse_address(parsed.email_address);
    auto settings = services.resolver.resolve(address);
    if (!settings) {
        return Response::no_content();
    }
    Response response = Response::xml(build_autodiscover(*settings, address));
    response.from_directory = settings->from_directory;
    return response;
}

Response handle_autodiscover_json(const Request& request, const Services& services) {
    (void)services;
    auto protocol = param_ignoring_case(request, "Protocol");
    if (!protocol || !text::iequals(*protocol, "AutodiscoverV1")) {
        // Never echo the client's text: the message is fixed.
        return json_response(
            400, {{"ErrorCode", "InvalidProtocol"},
                  {"ErrorMessage",
                   "The given protocol value is invalid. Supported values are 'AutodiscoverV1'."}});
    }
    if (!url::usable_host(request.host)) {
        log::warning("autodiscover.json: unusable Host header, answering 400");
        return json_response(400, {{"ErrorCode", "InvalidRequest"},
                                   {"ErrorMessage", "The request has no usable Host header."}});
    }
    return json_response(200,
                         {{"Protocol", "AutodiscoverV1"},
                          {"Url", "https://" + request.host + "/autodiscover/autodiscover.xml"}});
}

Response handle_mobileconfig(const Request& request, const Services& services) {
    auto email = non_empty_param(request, "emailaddress");
    if (!email) {
        throw BadRequest("missing emailaddress");
    }
    MobileconfigRequest wanted{parse_address(*email), non_empty_param(request, "name"),
                               std::nullopt};
    if (services.config.permit_cleartext_passwords) {
        wanted.password = non_empty_param(request, "password");
    }
    auto settings = services.resolver.resolve(wanted.address);
    if (!settings) {
        return Response::no_content();
    }
    if (settings->display_name) {
        wanted.account_name = settings->display_name;
    }
    std::string profile = build_mobileconfig(*settings, wanted);
    if (services.signer != nullptr) {
        profile = services.signer->sign(profile);
    }
    Response response = Response::xml(std::move(profile), "application/x-apple-aspen-config");
    response.headers.emplace_back("Content-Disposition",
                                  "attachment; filename=\"" + settings->domain + ".mobileconfig\"");
    response.from_directory = settings->from_directory;
    return response;
}

Response handle_pacc(const Request& request, const Services& services) {
    auto domain = pacc_domain(request.host);
    if (!domain) {
        throw BadRequest("no usable Host header to name the domain");
    }
    auto settings = services.resolver.resolve_domain(*domain);
    if (!settings) {
        log::info("PACC: unknown domain " + *domain);
        return Response::no_content();
    }
    std::vector<std::string> left_out;
    auto body = build_pacc(*settings, &left_out);
    note_pacc_left_out(*domain, left_out);
    if (!body) {
        return Response::text(404, "Not found: nothing in this domain's settings fits PACC\n");
    }
    return Response{200, "application/json", {}, std::move(*body)};
}

Response handle_initdb(const Request& request, const Services& services) {
    if (!initdb_permitted(request, services.config)) {
        log::warning("initdb refused for client " + request.remote_addr);
        return Response::text(403, "Forbidden\n");
    }
    if (request.method == "DELETE") {
        services.store.purge();
        log::warning("database content purged by " + request.remote_addr);
        return message_page("Database content purged");
    }
    if (request.method == "POST" && !declares_json(request.content_type)) {
        log::warning("initdb: POST from " + request.remote_addr +
                     " refused: the seed must be sent as application/json");
        return Response::text(415, "Unsupported Media Type: send the seed as application/json\n");
    }
    Seed seed = request.method == "POST"
                    ? parse_seed(request.body, services.store.ldap_server_ids())
                    : sample_seed();
    InitOutcome outcome = services.store.initialise(seed);
    if (outcome == InitOutcome::prepared) {
        log::info("database prepared by " + request.remote_addr);
        return message_page("Database is now prepared");
    }
    return message_page("Database already contains provider data");
}

}  // namespace automx2
