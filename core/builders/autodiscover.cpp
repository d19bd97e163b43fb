#include "core/builders/autodiscover.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <random>
#include <stdexcept>

#include "core/builders/xml.h"
#include "core/errors.h"
#include "core/placeholders.h"
#include "core/text.h"

namespace automx2 {

namespace {

constexpr std::string_view kMobilesyncSchema =
    "http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006";

const char* protocol_type(ServerType type) {
    switch (type) {
        case ServerType::imap:
            return "IMAP";
        case ServerType::pop:
            return "POP3";
        case ServerType::smtp:
            return "SMTP";
    }
    return "IMAP";
}

// nullptr: no <Encryption> element (SPEC §8), for plain and for unknown words.
const char* encryption(std::string_view socket_type) {
    const auto type = parse_socket_type(socket_type);
    if (!type) {
        return nullptr;
    }
    switch (*type) {
        case SocketType::ssl:
            return "SSL";
        case SocketType::starttls:
            return "TLS";
        case SocketType::automatic:
            return "Auto";
        case SocketType::none:
            return "None";
        case SocketType::plain:
            return nullptr;
    }
    return nullptr;
}

// SPEC §12: Outlook treats a missing <SPA> as on, so it is always written.
bool secure_password_authentication(Authentication authentication) {
    switch (authentication) {
        case Authentication::encrypted:
        case Authentication::ntlm:
        case Authentication::gssapi:
            return true;
        case Authentication::cleartext:
        case Authentication::oauth2:
        case Authentication::client_ip:
        case Authentication::none:
            return false;
    }
    return false;
}

const char* on_off(bool value) {
    return value ? "on" : "off";
}

void add_mail_protocol(xmlNode* account, const MailServer& server, const Address& address) {
    xmlNode* protocol = xml::add_child(account, "Protocol");
    xml::add_child(protocol, "Type", protocol_type(server.type));
    xml::add_child(protocol, "Server", expand_placeholders(server.name, address));
    xml::add_child(protocol, "Port", std::to_string(server.port));
    xml::add_child(protocol, "LoginName", expand_placeholders(server.user_name, address));
    // SPEC §8: "on" for STARTTLS too, or Thunderbird would send the password in clear.
    xml::add_child(protocol, "SSL", on_off(server.encrypted()));
    if (const char* value = encryption(server.socket_type)) {
        xml::add_child(protocol, "Encryption", value);
    }
    xml::add_child(protocol, "SPA", on_off(secure_password_authentication(server.authentication)));
}

void add_dav_protocol(xmlNode* account, const DavServer& server, const Address& address) {
    xmlNode* protocol = xml::add_child(account, "Protocol");
    xml::add_child(protocol, "Type", server.type == DavType::caldav ? "CalDAV" : "CardDAV");
    xml::add_child(protocol, "Server", expand_placeholders_in_url(server.url, address));
    if (server.port > 0) {
        xml::add_child(protocol, "Port", std::to_string(server.port));
    }
    xml::add_child(protocol, "SSL", on_off(server.use_ssl));
    xml::add_child(protocol, "DomainRequired", on_off(server.domain_required));
    if (server.user_name && !server.user_name->empty()) {
        xml::add_child(protocol, "LoginName", expand_placeholders(*server.user_name, address));
    }
}

// [MS-OXDSCLI] 2.2.4.1.1.2.9: an EXCH protocol's EwsUrl (and ASUrl, the availability
// service, which is EWS too) name the Exchange Web Services endpoint.
void add_ews_protocol(xmlNode* account, const Endpoint& endpoint, const Address& address) {
    const std::string url = expand_placeholders_in_url(endpoint.url, address);
    xmlNode* protocol = xml::add_child(account, "Protocol");
    xml::add_child(protocol, "Type", "EXCH");
    xml::add_child(protocol, "ASUrl", url);
    xml::add_child(protocol, "EwsUrl", url);
}

const Endpoint* first_endpoint(const DomainSettings& settings, EndpointType type) {
    for (const Endpoint& endpoint : settings.endpoints) {
        if (endpoint.type == type) {
            return &endpoint;
        }
    }
    return nullptr;
}

xmlNode* required_element(xmlDoc* doc, std::string_view name, std::string_view file) {
    xmlNode* node = xml::find_element(xmlDocGetRootElement(doc), name);
    if (node == nullptr) {
        throw std::logic_error("template " + std::string(file) + " has no " + std::string(name));
    }
    return node;
}

// Time of day as Exchange writes it in <Error Time=…>, UTC.
std::string time_of_day() {
    const auto now = std::chrono::system_clock::now();
    const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
    const auto micros =
        std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()) %
        std::chrono::seconds(1);
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%02d:%02d:%02d.%06lld", utc.tm_hour, utc.tm_min,
                  utc.tm_sec, static_cast<long long>(micros.count()));
    return buffer;
}

std::string error_id() {
    thread_local std::mt19937 generator{std::random_device{}()};
    return std::to_string(std::uniform_int_distribution<unsigned long>(1, 4294967295UL)(generator));
}

}  // namespace

AutodiscoverRequest parse_autodiscover_request(std::string_view body) {
    xml::Doc doc = xml::parse_untrusted(body);
    if (!doc) {
        throw BadRequest("malformed or refused XML in the Autodiscover request");
    }
    xmlNode* root = xmlDocGetRootElement(doc.get());
    if (root == nullptr || root->name == nullptr ||
        std::string_view(reinterpret_cast<const char*>(root->name)) != "Autodiscover") {
        throw BadRequest("the Autodiscover request's root element is not Autodiscover");
    }
    // Local names only: clients differ in the namespace they put on Request (SPEC §12).
    xmlNode* request = xml::first_child(root, "Request");
    xmlNode* email = xml::first_child(request, "EMailAddress");
    AutodiscoverRequest result;
    result.email_address = std::string(text::trim(xml::text(email)));
    if (result.email_address.empty()) {
        throw BadRequest("the Autodiscover request has no EMailAddress");
    }

    bool any_schema = false;
    bool only_mobilesync = true;
    for (xmlNode* node = request->children; node != nullptr; node = node->next) {
        if (node->type != XML_ELEMENT_NODE || std::string_view(reinterpret_cast<const char*>(
                                                  node->name)) != "AcceptableResponseSchema") {
            continue;
        }
        any_schema = true;
        if (text::trim(xml::text(node)) != kMobilesyncSchema) {
            only_mobilesync = false;
        }
    }
    result.mobilesync_only = any_schema && only_mobilesync;
    return result;
}

std::string build_autodiscover(const DomainSettings& settings, const Address& address) {
    constexpr std::string_view file = "autodiscover.xml";
    xml::Doc doc = xml::from_template(file);
    xmlNode* response = required_element(doc.get(), "Response", file);

    if (settings.display_name && !settings.display_name->empty()) {
        xmlNode* user = xml::add_child(response, "User");
        // The LDAP cn is no database value: not expanded (SPEC §3).
        xml::add_child(user, "DisplayName", *settings.display_name);
    }
    xmlNode* account = xml::add_child(response, "Account");
    xml::add_child(account, "AccountType", "email");
    xml::add_child(account, "Action", "settings");
    for (const MailServer& server : settings.servers) {
        add_mail_protocol(account, server, address);
    }
    for (const DavServer& server : settings.dav_servers) {
        add_dav_protocol(account, server, address);
    }
    if (const Endpoint* ews = first_endpoint(settings, EndpointType::ews)) {
        add_ews_protocol(account, *ews, address);
    }
    return xml::to_string(doc.get());
}

std::optional<std::string> build_autodiscover_mobilesync(const DomainSettings& settings,
                                                         const Address& address) {
    const Endpoint* activesync = first_endpoint(settings, EndpointType::activesync);
    if (activesync == nullptr) {
        return std::nullopt;
    }
    constexpr std::string_view file = "autodiscover-mobilesync.xml";
    xml::Doc doc = xml::from_template(file);
    xmlNode* response = required_element(doc.get(), "Response", file);
    // [MS-ASCMD] 2.2.1.1.2: User (DisplayName optional, EMailAddress), then Action with
    // Settings/Server of Type MobileSync; Url and Name both carry the endpoint's URL.
    xmlNode* user = xml::add_child(response, "User");
    if (settings.display_name && !settings.display_name->empty()) {
        xml::add_child(user, "DisplayName", *settings.display_name);
    }
    xml::add_child(user, "EMailAddress", address.full());
    xmlNode* server =
        xml::add_child(xml::add_child(xml::add_child(response, "Action"), "Settings"), "Server");
    const std::string url = expand_placeholders_in_url(activesync->url, address);
    xml::add_child(server, "Type", "MobileSync");
    xml::add_child(server, "Url", url);
    xml::add_child(server, "Name", url);
    return xml::to_string(doc.get());
}

std::string build_autodiscover_error_601() {
    constexpr std::string_view file = "autodiscover-error.xml";
    xml::Doc doc = xml::from_template(file);
    xmlNode* error = required_element(doc.get(), "Error", file);
    const std::string time = time_of_day();
    const std::string id = error_id();
    xmlSetProp(error, BAD_CAST "Time", BAD_CAST time.c_str());
    xmlSetProp(error, BAD_CAST "Id", BAD_CAST id.c_str());
    return xml::to_string(doc.get());
}

}  // namespace automx2
