// Seed data (SPEC §10). Every error names the JSON path of the offending value, e.g.
// "servers[2].port must be an integer", because the message goes back to the operator.
#include "core/seed.h"

#include <cstdint>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "core/address.h"
#include "core/errors.h"
#include "core/seed_json.h"
#include "core/seed_protocols.h"
#include "core/text.h"

namespace automx2 {
namespace {

using nlohmann::json;

// Column widths of SPEC §2: longer values would be truncated or refused by the database.
constexpr std::size_t kNameWidth = 128;  // provider, domain, server, ldap names; urls
constexpr std::size_t kShortWidth = 32;  // short_name, type, socket_type, attr_*
constexpr std::size_t kUserWidth = 64;   // server and DAV user_name
constexpr std::size_t kMaxItems = 1000;  // domains, servers, ldapservers per seed
constexpr int kMaxDepth = 8;             // a seed nests 3 levels deep
constexpr std::size_t kMaxText = 1 << 20;

[[noreturn]] void fail(const std::string& message) {
    throw BadRequest("bad seed: " + message);
}

std::string at(const std::string& path, std::string_view key) {
    return path.empty() ? std::string(key) : path + "." + std::string(key);
}

std::string element(const std::string& path, std::size_t i) {
    return path + "[" + std::to_string(i) + "]";
}

// Reads typed members of one JSON object, naming `path` in every error.
class Fields {
  public:
    Fields(const json& object, std::string path) : object_(object), path_(std::move(path)) {
        if (!object_.is_object()) {
            fail((path_.empty() ? std::string("the seed") : path_) + " must be an object");
        }
    }

    const std::string& path() const { return path_; }
    bool has(std::string_view key) const { return object_.contains(key); }
    const json& raw(std::string_view key) const { return object_.at(key); }

    const json& required(std::string_view key) const {
        if (!has(key)) {
            fail("missing mandatory key " + at(path_, key));
        }
        return object_.at(key);
    }

    std::string string(std::string_view key, std::size_t width) const {
        return check_string(required(key), key, width);
    }

    std::optional<std::string> optional_string(std::string_view key, std::size_t width) const {
        if (!has(key) || raw(key).is_null()) {
            return std::nullopt;
        }
        return check_string(raw(key), key, width);
    }

    // A mandatory key whose value may be null (LDAP bind_user: anonymous bind).
    std::optional<std::string> nullable_string(std::string_view key, std::size_t width) const {
        required(key);
        return optional_string(key, width);
    }

    std::optional<long long> optional_integer(std::string_view key, long long min,
                                              long long max) const {
        if (!has(key)) {
            return std::nullopt;
        }
        const json& value = raw(key);
        if (!value.is_number_integer()) {
            fail(at(path_, key) + " must be an integer");
        }
        bool in_range = false;
        long long n = 0;
        if (value.is_number_unsigned()) {
            const auto u = value.get<std::uint64_t>();
            in_range = u <= static_cast<std::uint64_t>(max);
            n = in_range ? static_cast<long long>(u) : 0;
        } else {
            n = value.get<std::int64_t>();
            in_range = n <= max;
        }
        if (!in_range || n < min) {
            fail(at(path_, key) + " must be between " + std::to_string(min) + " and " +
                 std::to_string(max));
        }
        return n;
    }

    long long integer(std::string_view key, long long min, long long max) const {
        required(key);
        return *optional_integer(key, min, max);
    }

    // SPEC §10: JSON booleans and the strings of text::parse_bool.
    std::optional<bool> optional_bool(std::string_view key) const {
        if (!has(key)) {
            return std::nullopt;
        }
        const json& value = raw(key);
        if (value.is_boolean()) {
            return value.get<bool>();
        }
        if (value.is_string()) {
            if (const auto flag = text::parse_bool(value.get<std::string>())) {
                return flag;
            }
        }
        fail(at(path_, key) + " must be a boolean (true/false, or the strings " +
             std::string(text::bool_words) + ")");
    }

    // SPEC §10: a word of core/vocabulary.h, kept as written. Without this check the
    // seed would be stored and every later lookup of its domains would answer 400.
    template <typename Parse>
    std::optional<std::string> optional_word(std::string_view key, Parse parse,
                                             const std::string& words) const {
        auto value = optional_string(key, kShortWidth);
        if (value && !parse(*value)) {
            fail(at(path_, key) + ": unknown word '" + *value + "' (expected " + words + ")");
        }
        return value;
    }

    const json& array(std::string_view key) const {
        const json& value = required(key);
        if (!value.is_array()) {
            fail(at(path_, key) + " must be a list");
        }
        if (value.size() > kMaxItems) {
            fail(at(path_, key) + " has more than " + std::to_string(kMaxItems) + " entries");
        }
        return value;
    }

  private:
    std::string check_string(const json& value, std::string_view key, std::size_t width) const {
        if (!value.is_string()) {
            fail(at(path_, key) + " must be a string");
        }
        std::string text = value.get<std::string>();
        if (text.empty()) {
            fail(at(path_, key) + " must not be empty");
        }
        if (text.size() > width) {
            fail(at(path_, key) + " is longer than " + std::to_string(width) + " characters");
        }
        for (const char c : text) {
            if (text::is_control(c)) {
                fail(at(path_, key) + " contains a control character");
            }
        }
        return text;
    }

    const json& object_;
    std::string path_;
};

json parse_json(std::string_view text) {
    if (text.size() > kMaxText) {
        fail("the seed is larger than " + std::to_string(kMaxText) + " bytes");
    }
    const json::parser_callback_t limit_depth = [](int depth, json::parse_event_t event, json&) {
        // depth counts enclosing containers; an opening one adds a level.
        if ((event == json::parse_event_t::object_start ||
             event == json::parse_event_t::array_start) &&
            depth >= kMaxDepth) {
            fail("JSON nested deeper than " + std::to_string(kMaxDepth) + " levels");
        }
        return true;
    };
    try {
        return json::parse(text.begin(), text.end(), limit_depth);
    } catch (const json::parse_error& e) {
        // Not e.what(): it quotes the input read last, which may be a bind_password.
        throw BadRequest("malformed JSON: syntax error at byte " + std::to_string(e.byte));
    } catch (const json::exception&) {
        throw BadRequest("malformed JSON");
    }
}

std::string first_word(const std::string& name, const std::string& path) {
    const auto begin = name.find_first_not_of(" \t");
    if (begin == std::string::npos) {
        fail(path + " must not be blank");
    }
    const auto end = name.find_first_of(" \t", begin);
    std::string word = name.substr(begin, end == std::string::npos ? end : end - begin);
    if (word.size() > kShortWidth) {
        fail("the first word of " + path + " (the short name) is longer than " +
             std::to_string(kShortWidth) + " characters");
    }
    return word;
}

std::string domain_name(const json& value, const std::string& path, std::set<std::string>& seen) {
    if (!value.is_string()) {
        fail(path + " must be a string");
    }
    const auto text = value.get<std::string>();
    if (text.size() > kNameWidth) {
        fail(path + " is longer than " + std::to_string(kNameWidth) + " characters");
    }
    const auto name = normalise_domain(text);
    if (!name || name->empty()) {
        fail(path + " is not a valid domain name");
    }
    if (name->size() > kNameWidth) {
        fail(path + " is longer than " + std::to_string(kNameWidth) +
             " characters in its A-label form");
    }
    if (!seen.insert(*name).second) {
        fail(path + ": duplicate domain " + *name);
    }
    return *name;
}

SeedMailServer mail_server(const Fields& f, const std::string& word, ServerType type) {
    SeedMailServer server;
    server.type = word;
    server.name = f.string("name", kNameWidth);
    server.port =
        static_cast<int>(f.optional_integer("port", 1, 65535).value_or(defaults::mail_port(type)));
    server.prio = static_cast<int>(f.optional_integer("prio", 0, 1000000).value_or(defaults::prio));
    // Not in SPEC §10's list but in the table: accepted so a seed can say what it means.
    server.socket_type = f.optional_word("socket_type", parse_socket_type, socket_type_words())
                             .value_or(std::string(defaults::socket_type_for_port(server.port)));
    server.user_name =
        f.optional_string("user_name", kUserWidth).value_or(std::string(defaults::user_name));
    server.authentication =
        f.optional_word("authentication", parse_authentication, authentication_words())
            .value_or(std::string(defaults::authentication));
    return server;
}

SeedDavServer dav_server(const Fields& f, const std::string& word) {
    SeedDavServer server;
    server.type = word;
    server.url = f.string("url", kNameWidth);
    server.port =
        static_cast<int>(f.optional_integer("port", 0, 65535).value_or(defaults::dav_port));
    server.use_ssl = f.optional_bool("use_ssl").value_or(defaults::dav_use_ssl(server.url));
    server.domain_required =
        f.optional_bool("domain_required").value_or(defaults::dav_domain_required);
    if (f.has("user_name")) {
        server.user_name = f.optional_string("user_name", kUserWidth);
    }
    return server;
}

SeedLdapServer ldap_server(const Fields& f) {
    SeedLdapServer server;
    server.id = static_cast<long>(f.integer("id", 1, 2147483647));
    server.name = f.string("name", kNameWidth);
    server.port =
        static_cast<int>(f.optional_integer("port", 1, 65535).value_or(defaults::ldap_port));
    server.use_ssl = f.optional_bool("use_ssl").value_or(defaults::ldap_use_ssl(server.port));
    server.search_base = f.string("search_base", kNameWidth);
    server.search_filter = f.optional_string("search_filter", kNameWidth)
                               .value_or(std::string(defaults::ldap_search_filter));
    server.attr_uid =
        f.optional_string("attr_uid", kShortWidth).value_or(std::string(defaults::ldap_attr_uid));
    if (f.has("attr_cn")) {
        server.attr_cn = f.optional_string("attr_cn", kShortWidth);
    }
    server.bind_user = f.nullable_string("bind_user", kNameWidth);
    server.bind_password = f.nullable_string("bind_password", kNameWidth);
    return server;
}

}  // namespace

Seed parse_seed(std::string_view json_text, const std::vector<long>& stored_ldap_ids) {
    return parse_seed_value(parse_json(json_text), "", stored_ldap_ids, SeedRules{});
}

Seed parse_seed_value(const json& document, const std::string& base,
                      const std::vector<long>& stored_ldap_ids, SeedRules rules) {
    const Fields top(document, base);

    bool version2 = false;
    if (top.has("version")) {
        const json& version = top.raw("version");
        if (!version.is_number_integer() || version.get<long long>() != 2) {
            fail("version must be the number 2");
        }
        version2 = true;
    }

    Seed seed;
    std::set<long> ldap_ids(stored_ldap_ids.begin(), stored_ldap_ids.end());
    if (top.has("ldapservers")) {
        if (!version2) {
            fail("ldapservers needs \"version\": 2");
        }
        const json& list = top.array("ldapservers");
        const std::string list_path = at(base, "ldapservers");
        std::set<long> seed_ids;
        for (std::size_t i = 0; i < list.size(); ++i) {
            const Fields f(list[i], element(list_path, i));
            auto server = ldap_server(f);
            if (!seed_ids.insert(server.id).second) {
                fail(f.path() + ".id " + std::to_string(server.id) + " appears twice");
            }
            ldap_ids.insert(server.id);
            seed.ldap_servers.push_back(std::move(server));
        }
    }

    SeedProvider provider;
    provider.name = top.string("provider", kNameWidth);
    if (top.has("oauth2")) {
        if (!version2) {
            fail("oauth2 needs \"version\": 2");
        }
        provider.oauth2 = parse_seed_oauth2(top.raw("oauth2"), at(base, "oauth2"));
    }
    provider.short_name = first_word(provider.name, at(base, "provider"));

    const json& domains = top.array("domains");
    if (domains.empty()) {
        fail("domains must name at least one domain");
    }
    std::set<std::string> seen;
    for (std::size_t i = 0; i < domains.size(); ++i) {
        const std::string path = element(at(base, "domains"), i);
        SeedDomain domain;
        if (version2) {
            const Fields f(domains[i], path);
            domain.name = domain_name(f.required("name"), at(path, "name"), seen);
            if (f.has("ldapserver_id") && !f.raw("ldapserver_id").is_null()) {
                const long id = static_cast<long>(f.integer("ldapserver_id", 1, 2147483647));
                if (rules.check_ldap_refs && !ldap_ids.contains(id)) {
                    fail(at(path, "ldapserver_id") + ": unknown ldapserver_id " +
                         std::to_string(id));
                }
                domain.ldapserver_id = id;
            }
        } else {
            domain.name = domain_name(domains[i], path, seen);
        }
        provider.domains.push_back(std::move(domain));
    }

    const json& servers = top.array("servers");
    for (std::size_t i = 0; i < servers.size(); ++i) {
        const Fields f(servers[i], element(at(base, "servers"), i));
        const std::string type = f.string("type", kShortWidth);
        // Stored in the vocabulary's spelling: automx2 (and the store's row reuse)
        // compare types exactly.
        if (const auto mail = parse_server_type(type)) {
            provider.servers.push_back(mail_server(f, std::string(word(*mail)), *mail));
        } else if (const auto dav = parse_dav_type(type)) {
            provider.dav_servers.push_back(dav_server(f, std::string(word(*dav))));
        } else if (const auto endpoint = parse_endpoint_type(type); endpoint && version2) {
            provider.endpoints.push_back(
                parse_seed_endpoint(servers[i], f.path(), word(*endpoint)));
        } else {
            fail(at(f.path(), "type") + ": unknown server type \"" + type + "\" (expected " +
                 server_type_words() + ", " + dav_type_words() +
                 (version2 ? ", " + endpoint_type_words() : std::string()) + ")");
        }
    }
    if (rules.require_mail_server && provider.servers.empty()) {
        fail(at(base, "servers") + " must contain at least one mail server (imap, pop or smtp)");
    }

    seed.providers.push_back(std::move(provider));
    return seed;
}

}  // namespace automx2
