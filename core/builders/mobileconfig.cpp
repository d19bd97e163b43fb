#include "core/builders/mobileconfig.h"

#include <openssl/evp.h>

#include <array>
#include <cstdint>
#include <stdexcept>

#include "core/builders/xml.h"
#include "core/errors.h"
#include "core/log.h"
#include "core/placeholders.h"
#include "core/url.h"

namespace automx2 {

namespace {

// RFC 4122 appendix C: the name space for URLs and other names with a scheme.
constexpr std::array<std::uint8_t, 16> kNamespaceUrl{
    0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8};

void add_key(xmlNode* dict, std::string_view key) {
    xml::add_child(dict, "key", key);
}

void add_string(xmlNode* dict, std::string_view key, std::string_view value) {
    add_key(dict, key);
    xml::add_child(dict, "string", value);
}

void add_integer(xmlNode* dict, std::string_view key, long value) {
    add_key(dict, key);
    xml::add_child(dict, "integer", std::to_string(value));
}

void add_bool(xmlNode* dict, std::string_view key, bool value) {
    add_key(dict, key);
    xml::add_child(dict, value ? "true" : "false");
}

// SPEC §12: Apple knows password, NTLM, CRAM-MD5, HTTP MD5 and none; the rest falls back.
const char* apple_authentication(const MailServer& server) {
    switch (server.authentication) {
        case Authentication::cleartext:
            return "EmailAuthPassword";
        case Authentication::ntlm:
            return "EmailAuthNTLM";
        case Authentication::client_ip:
        case Authentication::none:
            return "EmailAuthNone";
        case Authentication::encrypted:
        case Authentication::gssapi:
        case Authentication::oauth2:
            break;
    }
    log::warning("server " + std::to_string(server.id) + ": authentication " +
                 std::string(word(server.authentication)) +
                 " has no Mobileconfig equivalent, using EmailAuthPassword");
    return "EmailAuthPassword";
}

void add_mail_server(xmlNode* dict, std::string_view prefix, const MailServer& server,
                     const Address& address) {
    const std::string p(prefix);
    add_string(dict, p + "MailServerAuthentication", apple_authentication(server));
    add_string(dict, p + "MailServerHostName", expand_placeholders(server.name, address));
    add_integer(dict, p + "MailServerPortNumber", server.port);
    add_bool(dict, p + "MailServerUseSSL", server.encrypted());
    add_string(dict, p + "MailServerUsername", expand_placeholders(server.user_name, address));
}

void add_payload_footer(xmlNode* dict, std::string_view description, std::string_view domain,
                        std::string_view identifier_prefix, std::string_view type,
                        const std::string& uuid) {
    add_string(dict, "PayloadDescription", description);
    add_string(dict, "PayloadDisplayName", domain);
    add_string(dict, "PayloadIdentifier", std::string(identifier_prefix) + uuid);
    add_string(dict, "PayloadType", type);
    add_string(dict, "PayloadUUID", uuid);
    add_integer(dict, "PayloadVersion", 1);
}

std::string role_uuid(const Address& address, std::string_view role) {
    return name_based_uuid("automx2-fcgi:" + address.full() + ":" + std::string(role));
}

void add_mail_payload(xmlNode* array, const DomainSettings& settings,
                      const MobileconfigRequest& request, const std::string& domain) {
    const MailServer* incoming = choose_server(settings.servers, ServerType::imap);
    if (incoming == nullptr) {
        incoming = choose_server(settings.servers, ServerType::pop);
    }
    if (incoming == nullptr) {
        throw BadRequest("no incoming mail server for " + domain);
    }
    const MailServer* outgoing = choose_server(settings.servers, ServerType::smtp);
    if (outgoing == nullptr) {
        throw BadRequest("no SMTP server for " + domain);
    }
    const Address& address = request.address;
    const std::string email = address.full();
    // The LDAP cn wins over ?name= (SPEC §9).
    const std::optional<std::string>& name =
        settings.display_name && !settings.display_name->empty() ? settings.display_name
                                                                 : request.account_name;

    xmlNode* dict = xml::add_child(array, "dict");
    add_string(dict, "EmailAccountDescription", email);
    if (name && !name->empty()) {
        add_string(dict, "EmailAccountName", *name);
    }
    add_string(dict, "EmailAccountType",
               incoming->type == ServerType::imap ? "EmailTypeIMAP" : "EmailTypePOP");
    add_string(dict, "EmailAddress", email);
    add_mail_server(dict, "Incoming", *incoming, address);
    if (request.password) {
        add_string(dict, "IncomingPassword", *request.password);
    }
    add_mail_server(dict, "Outgoing", *outgoing, address);
    add_bool(dict, "OutgoingPasswordSameAsIncomingPassword", true);
    add_payload_footer(dict, "Email account " + email, domain, "com.apple.mail.managed.",
                       "com.apple.mail.managed", role_uuid(address, "mail"));
}

void add_dav_payload(xmlNode* array, const DavServer& server, const MobileconfigRequest& request,
                     const std::string& domain) {
    const bool caldav = server.type == DavType::caldav;
    const std::string kind = caldav ? "CalDAV" : "CardDAV";
    const std::string lower(word(server.type));
    const Address& address = request.address;
    const std::string email = address.full();
    const std::string principal_url = expand_placeholders_in_url(server.url, address);
    // An unusable url still makes a payload: the client asks for the host then.
    const auto parts = url::split(principal_url);

    xmlNode* dict = xml::add_child(array, "dict");
    add_string(dict, kind + "AccountDescription", email);
    if (parts && !parts->host.empty()) {
        add_string(dict, kind + "HostName", parts->host);
    }
    if (request.password) {
        add_string(dict, kind + "Password", *request.password);
    }
    if (server.port >= 1) {
        add_integer(dict, kind + "Port", server.port);
    } else if (parts && parts->port) {
        add_integer(dict, kind + "Port", *parts->port);
    }
    add_string(dict, kind + "PrincipalURL", principal_url);
    add_bool(dict, kind + "UseSSL", server.use_ssl);
    if (server.user_name && !server.user_name->empty()) {
        add_string(dict, kind + "Username", expand_placeholders(*server.user_name, address));
    }
    const std::string type = "com.apple." + lower + ".account";
    add_payload_footer(dict, kind + " account " + email, domain, type + ".", type,
                       role_uuid(address, lower + ":" + std::to_string(server.id)));
}

}  // namespace

const MailServer* choose_server(const std::vector<MailServer>& servers, ServerType type) {
    const MailServer* chosen = nullptr;
    for (const MailServer& server : servers) {
        if (server.type != type) {
            continue;
        }
        if (chosen == nullptr) {
            chosen = &server;
        } else if (!chosen->encrypted() && server.encrypted()) {
            chosen = &server;
            break;
        }
    }
    return chosen;
}

std::string build_mobileconfig(const DomainSettings& settings, const MobileconfigRequest& request) {
    const std::string domain = settings.domain.empty() ? request.address.domain : settings.domain;
    xml::Doc doc = xml::from_template("mobileconfig.plist");
    xmlNode* root = xml::find_element(xmlDocGetRootElement(doc.get()), "dict");
    if (root == nullptr) {
        throw std::logic_error("template mobileconfig.plist has no dict");
    }

    add_key(root, "PayloadContent");
    xmlNode* content = xml::add_child(root, "array");
    add_mail_payload(content, settings, request, domain);
    for (const DavServer& server : settings.dav_servers) {
        add_dav_payload(content, server, request, domain);
    }

    const std::string uuid = role_uuid(request.address, "profile");
    add_string(root, "PayloadDisplayName", domain + " accounts");
    add_string(root, "PayloadIdentifier", "automx2-" + uuid);
    add_bool(root, "PayloadRemovalDisallowed", false);
    add_string(root, "PayloadType", "Configuration");
    add_string(root, "PayloadUUID", uuid);
    add_integer(root, "PayloadVersion", 1);
    return xml::to_string(doc.get());
}

std::string name_based_uuid(const std::string& name) {
    std::string input(reinterpret_cast<const char*>(kNamespaceUrl.data()), kNamespaceUrl.size());
    input += name;
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    if (EVP_Digest(input.data(), input.size(), digest.data(), &length, EVP_sha1(), nullptr) != 1 ||
        length < 16) {
        throw std::runtime_error("SHA-1 digest failed");
    }
    // RFC 4122 §4.3: version 5 in the high nibble of octet 6, variant 10xx in octet 8.
    digest[6] = static_cast<unsigned char>((digest[6] & 0x0f) | 0x50);
    digest[8] = static_cast<unsigned char>((digest[8] & 0x3f) | 0x80);
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string uuid;
    uuid.reserve(36);
    for (int i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            uuid += '-';
        }
        uuid += hex[digest[i] >> 4];
        uuid += hex[digest[i] & 0x0f];
    }
    return uuid;
}

}  // namespace automx2
