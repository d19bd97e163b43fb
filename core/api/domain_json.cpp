#include "core/api/domain_json.h"

#include "core/api/problem.h"
#include "core/errors.h"
#include "core/seed_json.h"
#include "core/vocabulary.h"

namespace automx2::api {
namespace {

using json = nlohmann::json;
using ojson = nlohmann::ordered_json;

constexpr int kMaxDepth = 16;
constexpr std::size_t kListCut = 1000;  // names per list in an import's answer

json parse_body(std::string_view body) {
    const json::parser_callback_t limit_depth = [](int depth, json::parse_event_t event, json&) {
        if ((event == json::parse_event_t::object_start ||
             event == json::parse_event_t::array_start) &&
            depth >= kMaxDepth) {
            throw Problem(400, "JSON nested deeper than " + std::to_string(kMaxDepth) + " levels");
        }
        return true;
    };
    try {
        return json::parse(body.begin(), body.end(), limit_depth);
    } catch (const json::parse_error& e) {
        // Not e.what(): it quotes the input, which may hold a bind_password.
        throw Problem(400, "malformed JSON: syntax error at byte " + std::to_string(e.byte),
                      {{"", "malformed JSON"}});
    } catch (const json::exception&) {
        throw Problem(400, "malformed JSON", {{"", "malformed JSON"}});
    }
}

// Runs the seed parser, turning its first complaint into a field error.
Seed seed_of(const json& document, const std::string& base, SeedRules rules,
             std::string_view pointer_prefix = {}) {
    try {
        return parse_seed_value(document, base, {}, rules);
    } catch (const BadRequest& e) {
        throw Problem(400, e.what(), {field_error(e.what(), pointer_prefix)});
    }
}

ojson oauth2_json(const std::optional<OAuth2Row>& oauth2) {
    if (!oauth2) {
        return nullptr;
    }
    ojson out = {{"issuer", oauth2->issuer}, {"scope", oauth2->scope}};
    for (const auto& [key, value] : {std::pair{"auth_url", &oauth2->auth_url},
                                     {"token_url", &oauth2->token_url},
                                     {"client_id", &oauth2->client_id}}) {
        if (*value) {
            out[key] = **value;
        }
    }
    return out;
}

// SPEC §16 fields of a PUT body through the seed parser: its messages name "servers"
// and "oauth2" at the top, which become /endpoints/… and /oauth2/… pointers.
void parse_protocols(const json& doc, const std::string& name, DomainPlan& plan) {
    json seed = {{"version", 2},
                 {"provider", "p"},
                 {"domains", json::array({{{"name", name}}})},
                 {"servers", doc.contains("endpoints") ? doc["endpoints"] : json::array()}};
    if (doc.contains("oauth2")) {
        seed["oauth2"] = doc["oauth2"];
    }
    try {
        Seed parsed = parse_seed_value(seed, "", {}, SeedRules{false, false});
        auto& p = parsed.providers.front();
        if (!p.servers.empty() || !p.dav_servers.empty()) {
            throw BadRequest("bad seed: endpoints holds only activesync, ews and jmap");
        }
        plan.endpoints = std::move(p.endpoints);
        plan.oauth2 = std::move(p.oauth2);
    } catch (const BadRequest& e) {
        std::string message = e.what();
        if (const auto at = message.find("servers"); at != std::string::npos) {
            message.replace(at, 7, "endpoints");
        }
        throw Problem(400, message, {field_error(message, "")});
    }
}

void ensure(bool condition, const std::string& pointer, const std::string& detail) {
    if (!condition) {
        throw Problem(400, detail, {{pointer, detail}});
    }
}

}  // namespace

ojson domain_view(const DomainRecord& record) {
    ojson view;
    view["name"] = record.domain;
    view["provider"] = {{"name", record.provider.name}, {"short_name", record.provider.short_name}};
    auto& servers = view["servers"] = ojson::array();
    for (const auto& s : record.servers) {
        servers.push_back({{"type", s.type},
                           {"name", s.name},
                           {"port", s.port},
                           {"socket_type", s.socket_type},
                           {"user_name", s.user_name},
                           {"authentication", s.authentication},
                           {"prio", s.prio}});
    }
    auto& dav = view["davservers"] = ojson::array();
    for (const auto& d : record.dav_servers) {
        dav.push_back({{"type", d.type},
                       {"url", d.url},
                       {"port", d.port},
                       {"use_ssl", d.use_ssl},
                       {"domain_required", d.domain_required},
                       {"user_name", d.user_name ? ojson(*d.user_name) : ojson(nullptr)}});
    }
    if (record.ldap) {
        const auto& l = *record.ldap;
        view["ldapserver"] = {{"id", l.id},
                              {"name", l.name},
                              {"port", l.port},
                              {"use_ssl", l.use_ssl},
                              {"search_base", l.search_base},
                              {"search_filter", l.search_filter},
                              {"attr_uid", l.attr_uid},
                              {"attr_cn", l.attr_cn ? ojson(*l.attr_cn) : ojson(nullptr)},
                              {"bind_user", l.bind_user ? ojson(*l.bind_user) : ojson(nullptr)}};
    } else {
        view["ldapserver"] = nullptr;
    }
    auto& endpoints = view["endpoints"] = ojson::array();
    for (const auto& e : record.endpoints) {
        endpoints.push_back({{"type", e.type}, {"url", e.url}});
    }
    view["oauth2"] = oauth2_json(record.oauth2);
    return view;
}

DomainPlan parse_domain_body(const std::string& name, std::string_view body) {
    const json doc = parse_body(body);
    ensure(doc.is_object(), "", "the body must be a JSON object");
    ensure(!doc.contains("name") || (doc["name"].is_string()), "/name", "name must be a string");
    ensure(doc.contains("provider"), "/provider", "missing mandatory key provider");
    const json& provider = doc["provider"];
    ensure(provider.is_object(), "/provider", "provider must be an object");
    ensure(provider.contains("name") && provider["name"].is_string(), "/provider/name",
           "provider.name must be a string");
    ensure(!provider.contains("short_name") || provider["short_name"].is_string(),
           "/provider/short_name", "provider.short_name must be a string");
    for (const char* key : {"servers", "davservers", "endpoints"}) {
        ensure(!doc.contains(key) || doc[key].is_array(), std::string("/") + key,
               std::string(key) + " must be an array");
    }
    std::optional<long> ldap_id;
    if (doc.contains("ldapserver") && !doc["ldapserver"].is_null()) {
        const json& ldap = doc["ldapserver"];
        ensure(ldap.is_object() && ldap.contains("id") && ldap["id"].is_number_integer() &&
                   ldap["id"].get<long long>() >= 1 && ldap["id"].get<long long>() <= 2147483647,
               "/ldapserver/id", "ldapserver must be null or {\"id\": N} with a positive integer");
        ldap_id = static_cast<long>(ldap["id"].get<long long>());
    }
    // The seed parser checks every field with the vocabulary of the documents; each list
    // goes through it on its own so that an error points into the right one.
    const json no_servers = json::array();
    DomainPlan plan;
    plan.name = name;
    for (const char* key : {"servers", "davservers"}) {
        json seed = {{"version", 2},
                     {"provider", provider["name"]},
                     {"domains", json::array({{{"name", name}}})},
                     {"servers", doc.contains(key) ? doc[key] : no_servers}};
        Seed parsed = seed_of(seed, "", SeedRules{false, false}, "");
        auto& p = parsed.providers.front();
        const bool mail = std::string_view(key) == "servers";
        if (mail) {
            ensure(p.dav_servers.empty(), "/servers", "servers holds only imap, pop and smtp");
            plan.provider = p.name;
            plan.short_name = p.short_name;
            plan.servers = std::move(p.servers);
        } else {
            ensure(p.servers.empty(), "/davservers", "davservers holds only caldav and carddav");
            plan.dav_servers = std::move(p.dav_servers);
        }
    }
    if (provider.contains("short_name")) {
        const auto short_name = provider["short_name"].get<std::string>();
        ensure(!short_name.empty() && short_name.size() <= 32, "/provider/short_name",
               "provider.short_name must be 1 to 32 characters");
        plan.short_name = short_name;
    }
    plan.ldapserver_id = ldap_id;
    parse_protocols(doc, name, plan);
    return plan;
}

ChangeSet parse_import_body(std::string_view body) {
    const json doc = parse_body(body);
    ChangeSet changes;
    auto add = [&](const json& seed_doc, const std::string& base, const std::string& pointer) {
        Seed seed = seed_of(seed_doc, base, SeedRules{false, false});
        // An export's provider id: kept when the provider is created anew (DomainPlan).
        std::optional<long> provider_id;
        if (seed_doc.contains("provider_id")) {
            const json& id = seed_doc["provider_id"];
            ensure(id.is_number_integer() && id.get<long long>() >= 1 &&
                       id.get<long long>() <= 2147483647,
                   pointer + "/provider_id", "provider_id must be a positive integer");
            provider_id = static_cast<long>(id.get<long long>());
        }
        for (auto& ldap : seed.ldap_servers) {
            changes.ldap_servers.push_back(std::move(ldap));
        }
        for (auto& provider : seed.providers) {
            for (auto& domain : provider.domains) {
                changes.domains.push_back(
                    DomainPlan{domain.name, provider.name, provider.short_name, provider.servers,
                               provider.dav_servers, domain.ldapserver_id, provider.endpoints,
                               provider.oauth2, provider_id});
            }
        }
    };
    if (doc.is_array()) {
        for (std::size_t i = 0; i < doc.size(); ++i) {
            add(doc[i], "[" + std::to_string(i) + "]", "/" + std::to_string(i));
        }
    } else if (doc.is_object() && doc.contains("seeds")) {
        ensure(doc.contains("version") && doc["version"] == 2, "/version",
               "version must be the number 2");
        ensure(doc["seeds"].is_array(), "/seeds", "seeds must be an array");
        for (std::size_t i = 0; i < doc["seeds"].size(); ++i) {
            add(doc["seeds"][i], "seeds[" + std::to_string(i) + "]", "/seeds/" + std::to_string(i));
        }
    } else {
        add(doc, "", "");
    }
    return changes;
}

std::string export_seed_json(const ExportSeed& seed) {
    ojson out;
    out["version"] = 2;
    out["provider"] = seed.provider.name;
    if (seed.provider.short_name != seed.provider.name.substr(0, seed.provider.name.find(' '))) {
        out["short_name"] = seed.provider.short_name;  // informational: seeds derive it
    }
    if (seed.provider_id > 0) {
        out["provider_id"] = seed.provider_id;
    }
    auto& domains = out["domains"] = ojson::array();
    for (const auto& d : seed.provider.domains) {
        ojson entry = {{"name", d.name}};
        if (d.ldapserver_id) {
            entry["ldapserver_id"] = *d.ldapserver_id;
        }
        domains.push_back(std::move(entry));
    }
    auto& servers = out["servers"] = ojson::array();
    for (const auto& s : seed.provider.servers) {
        servers.push_back({{"type", s.type},
                           {"name", s.name},
                           {"port", s.port},
                           {"prio", s.prio},
                           {"socket_type", s.socket_type},
                           {"user_name", s.user_name},
                           {"authentication", s.authentication}});
    }
    for (const auto& d : seed.provider.dav_servers) {
        servers.push_back({{"type", d.type},
                           {"url", d.url},
                           {"port", d.port},
                           {"use_ssl", d.use_ssl},
                           {"domain_required", d.domain_required},
                           {"user_name", d.user_name ? ojson(*d.user_name) : ojson(nullptr)}});
    }
    for (const auto& e : seed.provider.endpoints) {
        servers.push_back({{"type", e.type}, {"url", e.url}});
    }
    if (seed.provider.oauth2) {
        out["oauth2"] = oauth2_json(seed.provider.oauth2);
    }
    if (!seed.ldap_servers.empty()) {
        auto& ldaps = out["ldapservers"] = ojson::array();
        for (const auto& l : seed.ldap_servers) {
            ojson entry = {{"id", l.id},
                           {"name", l.name},
                           {"port", l.port},
                           {"use_ssl", l.use_ssl},
                           {"search_base", l.search_base},
                           {"search_filter", l.search_filter},
                           {"attr_uid", l.attr_uid}};
            if (l.attr_cn) {
                entry["attr_cn"] = *l.attr_cn;
            }
            if (l.bind_user) {
                entry["bind_user"] = *l.bind_user;
            }
            ldaps.push_back(std::move(entry));
        }
    }
    return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

ojson outcome_json(const ChangeOutcome& outcome, bool dry_run) {
    ojson out;
    ojson counts;
    bool cut = false;
    auto list = [&](const char* key, const std::vector<std::string>& names) {
        auto& array = out[key] = ojson::array();
        for (std::size_t i = 0; i < names.size() && i < kListCut; ++i) {
            array.push_back(names[i]);
        }
        counts[key] = names.size();
        cut = cut || names.size() > kListCut;
    };
    list("created", outcome.created);
    list("replaced", outcome.replaced);
    list("unchanged", outcome.unchanged);
    list("removed", outcome.removed);
    out["dry_run"] = dry_run;
    if (cut) {
        out["counts"] = counts;
    }
    return out;
}

}  // namespace automx2::api
