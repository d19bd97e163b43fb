#include "core/seed_protocols.h"

#include <algorithm>
#include <cctype>

#include "core/address.h"
#include "core/errors.h"
#include "core/text.h"
#include "core/url.h"

namespace automx2 {
namespace {

using nlohmann::json;

[[noreturn]] void fail(const std::string& message) {
    throw BadRequest("bad seed: " + message);
}

std::string at(const std::string& path, std::string_view key) {
    return path.empty() ? std::string(key) : path + "." + std::string(key);
}

std::optional<std::string> text_member(const json& object, std::string_view key,
                                       const std::string& path, bool required) {
    const std::string where = at(path, key);
    if (!object.contains(key) || object.at(key).is_null()) {
        if (required) {
            fail("missing mandatory key " + where);
        }
        return std::nullopt;
    }
    const json& value = object.at(key);
    if (!value.is_string()) {
        fail(where + " must be a string");
    }
    std::string text = value.get<std::string>();
    if (text.empty()) {
        fail(where + " must not be empty");
    }
    if (text.size() > kProtocolUrlWidth) {
        fail(where + " is longer than " + std::to_string(kProtocolUrlWidth) + " characters");
    }
    if (std::any_of(text.begin(), text.end(), [](char c) { return text::is_control(c); })) {
        fail(where + " contains a control character");
    }
    return text;
}

// Replaces the client-side placeholders by a sample value, so that the rest of the URL
// can be checked as it will be once a client (or this service) has filled them in.
std::string with_sample_values(std::string_view text) {
    std::string out(text);
    for (const char* name : {"%EMAILADDRESS%", "%EMAILLOCALPART%", "%EMAILDOMAIN%"}) {
        const std::string_view placeholder(name);
        for (auto at = out.find(placeholder); at != std::string::npos;
             at = out.find(placeholder, at)) {
            out.replace(at, placeholder.size(), "x");
        }
    }
    return out;
}

// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ), joined by single spaces.
bool is_scope(std::string_view text) {
    bool token_started = false;
    for (const char c : text) {
        if (c == ' ') {
            if (!token_started) {
                return false;  // leading or doubled space
            }
            token_started = false;
        } else if (c < 0x21 || c > 0x7e || c == '"' || c == '\\') {
            return false;
        } else {
            token_started = true;
        }
    }
    return token_started;
}

// RFC 6749 Appendix A.1: client_id = *VSCHAR (%x20-7E).
bool is_client_id(std::string_view text) {
    return std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x20 && c <= 0x7e; });
}

}  // namespace

bool is_https_url(std::string_view text, bool placeholders) {
    if (text.size() > kProtocolUrlWidth ||
        text.find_first_of(" \t\r\n\"'<>\\`{}|^") != std::string_view::npos ||
        std::any_of(text.begin(), text.end(), [](char c) {
            return text::is_control(c) || static_cast<unsigned char>(c) >= 0x80;
        })) {
        return false;
    }
    const std::string checked = placeholders ? with_sample_values(text) : std::string(text);
    if (!placeholders && checked.find('%') != std::string::npos) {
        // Percent escapes are fine, placeholders are not: clients would not fill them.
        for (std::size_t i = checked.find('%'); i != std::string::npos;
             i = checked.find('%', i + 1)) {
            if (i + 2 >= checked.size() ||
                !std::isxdigit(static_cast<unsigned char>(checked[i + 1])) ||
                !std::isxdigit(static_cast<unsigned char>(checked[i + 2]))) {
                return false;
            }
        }
    }
    const auto parts = url::split(checked);
    if (!parts || parts->scheme != "https" || parts->userinfo || parts->host.empty() ||
        !parts->port_valid() || (parts->port_text && parts->port_text->empty())) {
        return false;
    }
    if (parts->ip_literal) {
        return true;
    }
    const std::string host = text::to_lower(parts->host);
    return host.find('%') == std::string::npos && normalise_domain(host).value_or("") == host;
}

std::optional<OAuth2Row> parse_seed_oauth2(const json& value, const std::string& path) {
    if (value.is_null()) {
        return std::nullopt;
    }
    if (!value.is_object()) {
        fail(path + " must be an object or null");
    }
    OAuth2Row row;
    row.issuer = *text_member(value, "issuer", path, true);
    // draft-ietf-mailmaint-oauth-public: the issuer identifier is an https URL; Thunderbird
    // and the autoconfig draft also write a bare host name.
    const auto issuer_host = normalise_domain(row.issuer);
    if (!is_https_url(row.issuer, false) &&
        issuer_host.value_or("") != text::to_lower(row.issuer)) {
        fail(at(path, "issuer") + " must be an https URL or a host name");
    }
    row.scope = *text_member(value, "scope", path, true);
    if (!is_scope(row.scope)) {
        fail(at(path, "scope") +
             " must be OAuth2 scope tokens separated by single spaces (RFC 6749 section 3.3)");
    }
    row.auth_url = text_member(value, "auth_url", path, false);
    row.token_url = text_member(value, "token_url", path, false);
    for (const auto& [key, field] :
         {std::pair{"auth_url", &row.auth_url}, {"token_url", &row.token_url}}) {
        if (*field && !is_https_url(**field, false)) {
            fail(at(path, key) + " must be an https URL");
        }
    }
    row.client_id = text_member(value, "client_id", path, false);
    if (row.client_id && !is_client_id(*row.client_id)) {
        fail(at(path, "client_id") + " must be printable ASCII (RFC 6749 appendix A.1)");
    }
    return row;
}

SeedEndpoint parse_seed_endpoint(const json& server, const std::string& path,
                                 std::string_view word) {
    SeedEndpoint row;
    row.type = std::string(word);
    row.url = *text_member(server, "url", path, true);
    if (!is_https_url(row.url, true)) {
        fail(at(path, "url") + " must be an https URL");
    }
    return row;
}

}  // namespace automx2
