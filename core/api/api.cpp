#include "core/api/api.h"

#include <algorithm>
#include <charconv>

#include "core/address.h"
#include "core/api/domain_json.h"
#include "core/api/export_document.h"
#include "core/api/problem.h"
#include "core/api/tokens.h"
#include "core/errors.h"
#include "core/log.h"
#include "core/templates.h"
#include "core/text.h"

namespace automx2::api {
namespace {

constexpr std::string_view kPrefix = "/api/v1/";
constexpr std::string_view kDomains = "/api/v1/domains";

Response json_response(int status, const nlohmann::ordered_json& body) {
    return Response{status,
                    "application/json",
                    {},
                    body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n"};
}

void require_json(const Request& request) {
    const std::string_view type = text::trim(
        std::string_view(request.content_type).substr(0, request.content_type.find(';')));
    if (!text::iequals(type, "application/json")) {
        throw Problem(415, "send the body as application/json");
    }
}

class MethodNotAllowed : public Problem {
  public:
    MethodNotAllowed(const std::string& method, std::string allow)
        : Problem(405, "method " + method + " not allowed here"), allow_(std::move(allow)) {}
    std::string allow_;
};

// `allowed` as in an Allow header: "GET, PUT, DELETE".
void require_method(const Request& request, std::string_view allowed) {
    std::string_view rest = allowed;
    while (!rest.empty()) {
        const std::size_t comma = rest.find(',');
        if (text::trim(rest.substr(0, comma)) == request.method) {
            return;
        }
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    }
    throw MethodNotAllowed(request.method, std::string(allowed));
}

std::string domain_of(std::string_view raw) {
    const auto name = normalise_domain(raw);
    if (!name || name->empty() || name->size() > 128) {
        throw Problem(400, "not a valid domain name", {{"", "the path names no valid domain"}});
    }
    return *name;
}

bool flag(const Request& request, std::string_view name) {
    const auto value = request.param(name);
    return value &&
           (*value == "1" || text::iequals(*value, "true") || text::iequals(*value, "yes"));
}

class Api {
  public:
    Api(const Request& request, const Services& services, std::string token)
        : request_(request), services_(services), token_(std::move(token)) {}

    Response route() {
        const std::string_view path = request_.path;
        if (path == "/api/v1/openapi.json") {
            require_method(request_, "GET");
            return Response{
                200, "application/json", {}, std::string(templates::get("openapi.json"))};
        }
        if (path == kDomains) {
            require_method(request_, "GET");
            return list();
        }
        if (path.starts_with(std::string(kDomains) + "/") && path.size() > kDomains.size() + 1) {
            const std::string name = domain_of(path.substr(kDomains.size() + 1));
            require_method(request_, "GET, PUT, DELETE");
            if (request_.method == "GET") {
                return show(name);
            }
            return request_.method == "PUT" ? put(name) : remove(name);
        }
        if (path == "/api/v1/export") {
            require_method(request_, "GET");
            return export_all();
        }
        if (path == "/api/v1/import") {
            require_method(request_, "POST");
            return import();
        }
        throw Problem(404, "no such resource");
    }

  private:
    Response show(const std::string& name) {
        const auto record = services_.store.read_domain(name);
        if (!record) {
            throw Problem(404, "no domain " + name);
        }
        Response response = json_response(200, domain_view(*record));
        response.headers.emplace_back("ETag", domain_etag(*record));
        return response;
    }

    Response list() {
        std::size_t limit = 100;
        if (const auto text = request_.param("limit")) {
            auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), limit);
            if (error != std::errc() || end != text->data() + text->size() || limit < 1 ||
                limit > 1000) {
                throw Problem(400, "limit must be an integer from 1 to 1000",
                              {{"", "query parameter limit"}});
            }
        }
        const std::string prefix = text::to_lower(request_.param("prefix").value_or(""));
        const std::string after = text::to_lower(request_.param("after").value_or(""));
        const DomainPage page = services_.store.list_domains(prefix, after, limit);
        nlohmann::ordered_json body;
        auto& domains = body["domains"] = nlohmann::ordered_json::array();
        for (const auto& entry : page.domains) {
            domains.push_back({{"name", entry.name}, {"provider", entry.provider}});
        }
        body["next"] = page.next ? nlohmann::ordered_json(*page.next) : nullptr;
        return json_response(200, body);
    }

    Response put(const std::string& name) {
        require_json(request_);
        ChangeSet changes;
        changes.domains.push_back(parse_domain_body(name, request_.body));
        if (!request_.if_match.empty()) {
            changes.if_match = request_.if_match;
        }
        const ChangeOutcome outcome = services_.store.apply(changes);
        const bool created = !outcome.created.empty();
        if (created || !outcome.replaced.empty()) {
            log::warning("api: domain " + name + (created ? " created" : " replaced") +
                         " by token " + token_ + " from " + request_.remote_addr);
        }
        Response response = show(name);
        response.status = created ? 201 : 200;
        return response;
    }

    Response remove(const std::string& name) {
        ChangeSet changes;
        changes.removals.push_back(name);
        if (!request_.if_match.empty()) {
            changes.if_match = request_.if_match;
        }
        const ChangeOutcome outcome = services_.store.apply(changes);
        if (outcome.removed.empty()) {
            throw Problem(404, "no domain " + name);
        }
        log::warning("api: domain " + name + " deleted by token " + token_ + " from " +
                     request_.remote_addr);
        return Response::no_content();
    }

    // Streamed seed by seed (SPEC §15: memory does not grow with the number of domains).
    // A failing database is answered 503 before the headers go out; one failing later
    // leaves the document unterminated, so no client takes a cut export for a whole one.
    Response export_all() {
        services_.store.list_domains("", "", 1);
        Response response{200, "application/json", {}, {}};
        const Services& services = services_;
        response.stream = [&services, where = request_.method + " " +
                                              request_.path](const Response::ChunkWriter& write) {
            try {
                for (const auto& note : write_export(services.store, write)) {
                    log::warning("api: " + note);
                }
            } catch (const std::exception& e) {
                log::error("api: " + where + ": export broken off: " + e.what());
            }
        };
        return response;
    }

    Response import() {
        require_json(request_);
        ChangeSet changes = parse_import_body(request_.body);
        changes.dry_run = flag(request_, "dry_run");
        changes.prune = flag(request_, "prune");
        const ChangeOutcome outcome = services_.store.apply(changes);
        log::warning("api: import by token " + token_ + " from " + request_.remote_addr + ": " +
                     std::to_string(outcome.created.size()) + " created, " +
                     std::to_string(outcome.replaced.size()) + " replaced, " +
                     std::to_string(outcome.unchanged.size()) + " unchanged, " +
                     std::to_string(outcome.removed.size()) + " removed" +
                     (changes.dry_run ? " (dry run, nothing changed)" : ""));
        return json_response(200, outcome_json(outcome, changes.dry_run));
    }

    const Request& request_;
    const Services& services_;
    const std::string token_;
};

// 404 when off, 403 for other clients, 401 without a valid token; else the token name.
std::string admit(const Request& request, const Config& config) {
    if (config.admin_tokens_file.empty()) {
        throw Problem(404, "the management API is off (admin_tokens_file is not set)");
    }
    const bool allowed =
        std::any_of(config.admin_allowed_from.begin(), config.admin_allowed_from.end(),
                    [&](const Network& network) { return network.contains(request.remote_addr); });
    if (!allowed) {
        log::warning("api: " + request.method + " " + request.path + " refused for client " +
                     request.remote_addr);
        throw Problem(403, "this client may not use the management API");
    }
    if (request.path == "/api/v1/openapi.json") {
        return "";  // the description is no secret
    }
    const TokenResult token = check_token(config.admin_tokens_file, request.authorization);
    if (token.check == TokenCheck::unreadable) {
        log::error("api: cannot read admin_tokens_file " + config.admin_tokens_file);
        throw Problem(503, "the token file cannot be read");
    }
    if (token.check == TokenCheck::expired) {
        log::warning("api: " + request.method + " " + request.path + ": token " + token.name +
                     " has expired (" + token.expires + "); refused for " + request.remote_addr);
        throw Problem(401, "the bearer token has expired");
    }
    if (token.check != TokenCheck::accepted) {
        log::warning("api: " + request.method + " " + request.path +
                     ": missing or wrong token from " + request.remote_addr);
        throw Problem(401, "a valid bearer token is required");
    }
    return token.name;
}

}  // namespace

bool is_api_path(std::string_view path) {
    return path == "/api" || path.starts_with("/api/");
}

Response handle(const Request& request, const Services& services) noexcept {
    const std::string where = "api: " + request.method + " " + request.path;
    try {
        try {
            const std::string token = admit(request, services.config);
            if (request.body_too_large) {
                throw Problem(413, "the body is larger than max_admin_body_size (" +
                                       std::to_string(services.config.max_admin_body_size) +
                                       " bytes)");
            }
            if (!request.path.starts_with(kPrefix)) {
                throw Problem(404, "no such resource");
            }
            return Api(request, services, token).route();
        } catch (const MethodNotAllowed& refused) {
            Response response = problem_response(405, refused.what());
            response.headers.emplace_back("Allow", refused.allow_);
            return response;
        } catch (const Problem& problem) {
            Response response =
                problem_response(problem.status(), problem.what(), problem.errors());
            if (problem.status() == 401) {
                response.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"automx2\"");
            }
            if (problem.status() != 401 && problem.status() != 403) {  // admit() logged those
                log::warning(where + ": " + std::to_string(problem.status()) + " " +
                             problem.what());
            }
            return response;
        } catch (const PreconditionFailed& e) {
            log::warning(where + ": " + e.what());
            return problem_response(412, e.what());
        } catch (const BadRequest& e) {
            log::warning(where + ": " + e.what());
            return problem_response(400, e.what(), {field_error(e.what())});
        } catch (const BadData& e) {
            log::error(where + ": invalid data in the database: " + e.what());
            return problem_response(500, "invalid configuration data in the database");
        } catch (const BackendUnavailable& e) {
            log::error(where + ": backend unavailable: " + e.what());
            Response response = problem_response(503, "the database is unavailable");
            response.headers.emplace_back("Retry-After", "5");
            return response;
        } catch (const std::exception& e) {
            log::error(where + ": internal error: " + e.what());
            return problem_response(500, "internal error");
        }
    } catch (...) {
        return Response::text(500, "Internal server error\n");
    }
}

}  // namespace automx2::api
