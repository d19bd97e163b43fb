#include "core/builders/autoconfig.h"

#include <stdexcept>

#include "core/builders/xml.h"

namespace automx2 {

namespace {

const char* element_name(ServerType type) {
    return type == ServerType::smtp ? "outgoingServer" : "incomingServer";
}

const char* type_attribute(ServerType type) {
    switch (type) {
        case ServerType::imap:
            return "imap";
        case ServerType::pop:
            return "pop3";
        case ServerType::smtp:
            return "smtp";
    }
    return "imap";
}

// SPEC §12: K-9 rejects the whole file for automx2's "plain", so Thunderbird's words.
void add_authentication(xmlNode* server, Authentication authentication, bool outgoing) {
    switch (authentication) {
        case Authentication::cleartext:
            xml::add_child(server, "authentication", "password-cleartext");
            return;
        case Authentication::encrypted:
            xml::add_child(server, "authentication", "password-encrypted");
            return;
        case Authentication::ntlm:
            xml::add_child(server, "authentication", "NTLM");
            return;
        case Authentication::gssapi:
            xml::add_child(server, "authentication", "GSSAPI");
            return;
        case Authentication::oauth2:
            // A client without OAuth2 support falls back to the second method.
            xml::add_child(server, "authentication", "OAuth2");
            xml::add_child(server, "authentication", "password-cleartext");
            return;
        case Authentication::client_ip:
            // config-v1.1 defines client-IP-address for SMTP only; an incoming server
            // that trusts the client's address asks for no authentication.
            xml::add_child(server, "authentication", outgoing ? "client-IP-address" : "none");
            return;
        case Authentication::none:
            xml::add_child(server, "authentication", "none");
            return;
    }
}

bool has_encrypted(const DomainSettings& settings, ServerType type) {
    for (const MailServer& server : settings.servers) {
        if (server.type == type && server.encrypted())
            return true;
    }
    return false;
}

}  // namespace

bool cleartext_socket(const MailServer& server) {
    const auto socket = parse_socket_type(server.socket_type);
    return socket == SocketType::plain || socket == SocketType::none;
}

std::vector<const MailServer*> autoconfig_servers(const DomainSettings& settings) {
    std::vector<const MailServer*> listed;
    listed.reserve(settings.servers.size());
    for (const MailServer& server : settings.servers) {
        if (cleartext_socket(server) && has_encrypted(settings, server.type))
            continue;
        listed.push_back(&server);
    }
    return listed;
}

std::vector<ServerType> cleartext_only_types(const DomainSettings& settings) {
    std::vector<ServerType> types;
    for (ServerType type : {ServerType::imap, ServerType::pop, ServerType::smtp}) {
        bool any = false;
        bool all_cleartext = true;
        for (const MailServer& server : settings.servers) {
            if (server.type != type)
                continue;
            any = true;
            all_cleartext = all_cleartext && cleartext_socket(server);
        }
        if (any && all_cleartext)
            types.push_back(type);
    }
    return types;
}

std::string build_autoconfig(const DomainSettings& settings) {
    xml::Doc doc = xml::from_template("autoconfig.xml");
    xmlNode* provider = xml::find_element(xmlDocGetRootElement(doc.get()), "emailProvider");
    if (provider == nullptr) {
        throw std::logic_error("template autoconfig.xml has no emailProvider");
    }
    const std::string id = "automx2-" + std::to_string(settings.provider_id);
    xmlSetProp(provider, BAD_CAST "id", BAD_CAST id.c_str());

    xml::add_child(provider, "identity");
    for (const auto& domain : settings.provider_domains) {
        xml::add_child(provider, "domain", domain);
    }
    xml::add_child(provider, "displayName", settings.provider_name);
    xml::add_child(provider, "displayShortName", settings.provider_short_name);

    for (const MailServer* listed : autoconfig_servers(settings)) {
        const MailServer& server = *listed;
        xmlNode* element = xml::add_child(provider, element_name(server.type));
        xmlSetProp(element, BAD_CAST "type", BAD_CAST type_attribute(server.type));
        // Placeholders stay (SPEC §3) but %EMAILDOMAIN% in host names, which the resolver
        // expanded (SPEC §16).
        xml::add_child(element, "hostname", server.name);
        xml::add_child(element, "port", std::to_string(server.port));
        xml::add_child(element, "socketType", server.socket_type);
        xml::add_child(element, "username", server.user_name);
        add_authentication(element, server.authentication, server.type == ServerType::smtp);
    }
    return xml::to_string(doc.get());
}

}  // namespace automx2
