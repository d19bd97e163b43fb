#include "core/builders/pacc.h"

#include <cstdio>
#include <string_view>

#include "core/address.h"
#include "core/sha256.h"
#include "core/text.h"
#include "core/url.h"
#include "core/utf8.h"
#include "core/vocabulary.h"

namespace automx2 {
namespace {

// RFC 8259 §7 with one spelling for each character, so the same text always gives the
// same bytes: '"' and '\' escaped, control characters as \b \f \n \r \t or \u00xx,
// everything else as UTF-8; an invalid sequence becomes U+FFFD.
void append_json_string(std::string& out, std::string_view text) {
    out.push_back('"');
    std::size_t at = 0;
    while (at < text.size()) {
        const auto c = static_cast<unsigned char>(text[at]);
        if (c >= 0x80) {
            auto point = utf8::decode(text, at);
            if (point) {
                out.append(text.substr(at, point->length));
                at += point->length;
            } else {
                out.append("\xEF\xBF\xBD");
                ++at;
            }
            continue;
        }
        ++at;
        switch (c) {
            case '"':
                out.append("\\\"");
                break;
            case '\\':
                out.append("\\\\");
                break;
            case '\b':
                out.append("\\b");
                break;
            case '\f':
                out.append("\\f");
                break;
            case '\n':
                out.append("\\n");
                break;
            case '\r':
                out.append("\\r");
                break;
            case '\t':
                out.append("\\t");
                break;
            default:
                if (c < 0x20) {
                    char buf[7];
                    std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
                    out.append(buf);
                } else {
                    out.push_back(static_cast<char>(c));
                }
        }
    }
    out.push_back('"');
}

std::string json_string(std::string_view text) {
    std::string out;
    append_json_string(out, text);
    return out;
}

// Members in the order they are added; values are JSON text already.
class Object {
  public:
    Object& add(std::string_view name, const std::string& value) {
        if (!body_.empty())
            body_.push_back(',');
        append_json_string(body_, name);
        body_.push_back(':');
        body_.append(value);
        return *this;
    }
    bool empty() const { return body_.empty(); }
    std::string text() const { return "{" + body_ + "}"; }

  private:
    std::string body_;
};

std::string one_member(std::string_view name, std::string_view value) {
    return Object().add(name, json_string(value)).text();
}

struct MailKind {
    ServerType type;
    std::string_view member;
    std::string_view label;
    int port;
};

// PACC names one server per protocol, implicit TLS on the standard port (RFC 8314).
constexpr MailKind kMailKinds[] = {
    {ServerType::imap, "imap", "IMAP", 993},
    {ServerType::pop, "pop3", "POP3", 995},
    {ServerType::smtp, "submit", "submission", 465},
};

const MailKind& kind_of(ServerType type) {
    for (const MailKind& kind : kMailKinds) {
        if (kind.type == type)
            return kind;
    }
    return kMailKinds[0];
}

bool takes_password(Authentication authentication) {
    // OAuth2 servers keep a password method (SPEC §12).
    return authentication == Authentication::cleartext ||
           authentication == Authentication::encrypted || authentication == Authentication::oauth2;
}

// A host name a client can connect to: no placeholder left (a per-user one cannot be in
// a document for the whole domain), a valid DNS name.
std::optional<std::string> host_name(std::string_view name) {
    if (name.find('%') != std::string_view::npos)
        return std::nullopt;
    return normalise_domain(name);
}

// Why `server` cannot be published; nullopt when it can.
std::optional<std::string> mail_problem(const MailServer& server, const MailKind& kind) {
    if (parse_socket_type(server.socket_type) != SocketType::ssl)
        return "socket type " + text::printable(server.socket_type, 40) +
               " (PACC publishes implicit TLS only)";
    if (server.port != kind.port)
        return "port " + std::to_string(server.port) + " (PACC publishes port " +
               std::to_string(kind.port) + " only)";
    if (server.user_name != placeholder::address)
        return "login name " + text::printable(server.user_name, 80) +
               " (PACC's login name is the address)";
    if (!takes_password(server.authentication))
        return "authentication " + std::string(word(server.authentication)) +
               " (PACC knows passwords and OAuth2 only)";
    if (!host_name(server.name))
        return "no usable host name (a per-user placeholder or an invalid name)";
    return std::nullopt;
}

// An https url for the whole domain: no credentials, no per-user placeholder, a host
// name; `default_port_only` also wants port 443.
std::optional<std::string> url_problem(std::string_view text, bool default_port_only) {
    auto parts = url::split(text);
    if (!parts || parts->scheme != "https")
        return std::string("not an https url");
    if (parts->userinfo)
        return std::string("a url with credentials");
    if (text.find('%') != std::string_view::npos)
        return std::string("a per-user placeholder or escape in the url");
    if (!parts->port_valid() || (default_port_only && parts->port && *parts->port != 443))
        return std::string("port ") + parts->port_text.value_or("") +
               (default_port_only ? " (PACC publishes DAV on 443 only)" : "");
    if (parts->ip_literal || !host_name(parts->host))
        return std::string("no usable host name in the url");
    return std::nullopt;
}

std::optional<std::string> dav_problem(const DavServer& server) {
    if (auto problem = url_problem(server.url, true))
        return problem;
    if (server.port != 0 && server.port != 443)
        return "port " + std::to_string(server.port) + " (PACC publishes DAV on 443 only)";
    if (server.user_name && !server.user_name->empty() && *server.user_name != placeholder::address)
        return "login name " + text::printable(*server.user_name, 80) +
               " (PACC's login name is the address)";
    return std::nullopt;
}

std::string mail_label(const MailServer& server) {
    return std::string(kind_of(server.type).label) + " server id " + std::to_string(server.id) +
           " (" + text::printable(server.name, 80) + ":" + std::to_string(server.port) + ", " +
           text::printable(server.socket_type, 40) + ")";
}

std::string url_label(std::string_view what, long id, std::string_view url) {
    return std::string(what) + " id " + std::to_string(id) + " (" + text::printable(url, 120) + ")";
}

// OAuth issuer identifiers are https URLs (RFC 8414 §2); the data may hold the bare
// host name Thunderbird's Autoconfig uses.
std::string issuer_url(const std::string& issuer) {
    if (issuer.starts_with("https://"))
        return issuer;
    return "https://" + issuer;
}

class Collector {
  public:
    explicit Collector(std::vector<std::string>* left_out) : left_out_(left_out) {}
    void leave_out(const std::string& what, const std::string& why) {
        if (left_out_ != nullptr)
            left_out_->push_back(what + ": " + why);
    }

  private:
    std::vector<std::string>* left_out_;
};

}  // namespace

std::optional<std::string> build_pacc(const DomainSettings& settings,
                                      std::vector<std::string>* left_out) {
    Collector collector(left_out);
    const MailServer* mail[std::size(kMailKinds)] = {};
    for (const MailServer& server : settings.servers) {
        const MailKind& kind = kind_of(server.type);
        const std::size_t slot = static_cast<std::size_t>(&kind - kMailKinds);
        if (auto problem = mail_problem(server, kind)) {
            collector.leave_out(mail_label(server), *problem);
        } else if (mail[slot] != nullptr) {
            collector.leave_out(mail_label(server), "PACC names one " + std::string(kind.label) +
                                                        " server: server id " +
                                                        std::to_string(mail[slot]->id) +
                                                        " comes first");
        } else {
            mail[slot] = &server;
        }
    }
    const DavServer* dav[2] = {};  // caldav, carddav
    for (const DavServer& server : settings.dav_servers) {
        const std::size_t slot = server.type == DavType::caldav ? 0 : 1;
        const std::string label =
            url_label(server.type == DavType::caldav ? "CalDAV server" : "CardDAV server",
                      server.id, server.url);
        if (auto problem = dav_problem(server)) {
            collector.leave_out(label, *problem);
        } else if (dav[slot] != nullptr) {
            collector.leave_out(label, "PACC names one url per DAV type: id " +
                                           std::to_string(dav[slot]->id) + " comes first");
        } else {
            dav[slot] = &server;
        }
    }
    const Endpoint* jmap = nullptr;
    for (const Endpoint& endpoint : settings.endpoints) {
        if (endpoint.type != EndpointType::jmap)
            continue;  // ActiveSync and EWS have no place in PACC
        const std::string label = url_label("JMAP endpoint", endpoint.id, endpoint.url);
        if (auto problem = url_problem(endpoint.url, false)) {
            collector.leave_out(label, *problem);
        } else if (jmap != nullptr) {
            collector.leave_out(
                label, "PACC names one JMAP url: id " + std::to_string(jmap->id) + " comes first");
        } else {
            jmap = &endpoint;
        }
    }

    Object protocols;
    bool password = false;
    for (std::size_t i = 0; i < std::size(kMailKinds); ++i) {
        if (mail[i] != nullptr) {
            protocols.add(kMailKinds[i].member, one_member("host", *host_name(mail[i]->name)));
            password = true;
        }
    }
    if (dav[0] != nullptr)
        protocols.add("caldav", one_member("url", dav[0]->url));
    if (dav[1] != nullptr)
        protocols.add("carddav", one_member("url", dav[1]->url));
    if (jmap != nullptr)
        protocols.add("jmap", one_member("url", jmap->url));
    if (protocols.empty())
        return std::nullopt;
    // Mail and DAV servers here all take a password; a JMAP-only domain with OAuth2
    // data claims none.
    password = password || dav[0] != nullptr || dav[1] != nullptr || !settings.oauth2;

    Object authentication;
    authentication.add("password", password ? "true" : "false");
    if (settings.oauth2) {
        authentication.add("oauth-public",
                           one_member("issuer", issuer_url(settings.oauth2->issuer)));
    }
    Object provider;
    provider.add("name", json_string(settings.provider_name))
        .add("shortName", json_string(settings.provider_short_name));
    Object document;
    document.add("protocols", protocols.text())
        .add("authentication", authentication.text())
        .add("info", Object().add("provider", provider.text()).text());
    return document.text();
}

std::string pacc_txt_record(const std::string& domain, const std::string& body) {
    return "_ua-auto-config." + domain + ". TXT \"v=UAAC1; a=sha256; d=" + sha256_base64(body) +
           "\"";
}

}  // namespace automx2
