#include "core/builders/autoconfig12.h"

#include "core/builders/xml.h"
#include "core/url.h"

namespace automx2 {
namespace {

// The draft's type words (lower case, as in its type table and Thunderbird's tests).
const char* type_word(EndpointType type) {
    switch (type) {
        case EndpointType::activesync:
            return "activesync";
        case EndpointType::ews:
            return "ews";
        case EndpointType::jmap:
            return "jmap";
    }
    return "jmap";
}

// URL-based servers authenticate over HTTP: OAuth2 first when the provider has OAuth2
// settings, then a password method, so a client without them still sets up.
void add_http_authentication(xmlNode* server, const DomainSettings& settings) {
    if (settings.oauth2) {
        xml::add_child(server, "authentication", "OAuth2");
    }
    xml::add_child(server, "authentication", "http-basic");
}

// A DAV row's url as a URL: the scheme from use_ssl when the row has none, the port
// when it is set, not the scheme's default and not already in the url.
std::string dav_url(const DavServer& server) {
    const bool has_scheme = url::split(server.url).has_value();
    std::string text =
        has_scheme ? server.url : (server.use_ssl ? "https://" : "http://") + server.url;
    const auto parts = url::split(text);
    if (parts && !parts->port_text && server.port > 0 &&
        server.port != (parts->scheme == "https" ? 443 : 80)) {
        const auto authority_end = text.find_first_of("/?#", parts->scheme.size() + 3);
        text.insert(authority_end == std::string::npos ? text.size() : authority_end,
                    ":" + std::to_string(server.port));
    }
    return text;
}

void add_oauth2(xmlNode* parent, const OAuth2Settings& oauth2) {
    xmlNode* element = xml::add_child(parent, "oAuth2");
    xml::add_child(element, "issuer", oauth2.issuer);
    xml::add_child(element, "scope", oauth2.scope);
    if (oauth2.auth_url) {
        xml::add_child(element, "authURL", *oauth2.auth_url);
    }
    if (oauth2.token_url) {
        xml::add_child(element, "tokenURL", *oauth2.token_url);
    }
    if (oauth2.client_id) {
        xml::add_child(element, "clientID", *oauth2.client_id);
    }
}

}  // namespace

void add_autoconfig_12(xmlNode* client_config, xmlNode* provider, const DomainSettings& settings) {
    // After every mail server: clients that take the first <incomingServer> they meet
    // (Thunderbird, Thunderbird for Android) keep finding the IMAP or POP3 one.
    for (const Endpoint& endpoint : settings.endpoints) {
        xmlNode* element = xml::add_child(provider, "incomingServer");
        xmlSetProp(element, BAD_CAST "type", BAD_CAST type_word(endpoint.type));
        xml::add_child(element, "url", endpoint.url);
        xml::add_child(element, "username", "%EMAILADDRESS%");
        add_http_authentication(element, settings);
    }
    // Thunderbird for Android reads <oAuth2> inside emailProvider and rejects the whole
    // document when that element lacks authURL or tokenURL; so only when both are known.
    if (settings.oauth2 && settings.oauth2->auth_url && settings.oauth2->token_url) {
        add_oauth2(provider, *settings.oauth2);
    }
    for (const DavServer& server : settings.dav_servers) {
        const bool caldav = server.type == DavType::caldav;
        xmlNode* element = xml::add_child(client_config, caldav ? "calendar" : "addressbook");
        xmlSetProp(element, BAD_CAST "type", BAD_CAST(caldav ? "caldav" : "carddav"));
        xml::add_child(element, "url", dav_url(server));
        xml::add_child(element, "authentication", "http-basic");
        const bool named = server.user_name && !server.user_name->empty();
        xml::add_child(element, "username", named ? *server.user_name : "%EMAILADDRESS%");
    }
    // Where draft -06 places it; Thunderbird for Android skips it there.
    if (settings.oauth2) {
        add_oauth2(client_config, *settings.oauth2);
    }
    if (!settings.endpoints.empty() || !settings.dav_servers.empty() || settings.oauth2) {
        xmlSetProp(client_config, BAD_CAST "version", BAD_CAST "1.2");
    }
}

}  // namespace automx2
