#include "core/pages/setup_sections.h"

#include <algorithm>

#include "core/builders/mobileconfig.h"
#include "core/placeholders.h"
#include "core/templates.h"
#include "core/url.h"
#include "core/vocabulary.h"

namespace automx2::pages {
namespace {

Text security_text(const MailServer& server) {
    switch (parse_socket_type(server.socket_type).value_or(SocketType::none)) {
        case SocketType::ssl:
            return Text::sec_ssl;
        case SocketType::starttls:
            return Text::sec_starttls;
        default:
            return Text::sec_none;
    }
}

Text authentication_text(Authentication authentication) {
    switch (authentication) {
        case Authentication::cleartext:
            return Text::auth_cleartext;
        case Authentication::encrypted:
            return Text::auth_encrypted;
        case Authentication::ntlm:
            return Text::auth_ntlm;
        case Authentication::gssapi:
            return Text::auth_gssapi;
        case Authentication::oauth2:
            return Text::auth_oauth2;
        case Authentication::client_ip:
            return Text::auth_client_ip;
        case Authentication::none:
            break;
    }
    return Text::auth_none;
}

std::string row(Text field, Lang lang, std::string_view value_markup) {
    return "<tr><th scope=\"row\">" + escape_markup(text(field, lang)) + "</th><td>" +
           std::string(value_markup) + "</td></tr>\n";
}

std::string code_markup(std::string_view value) {
    return "<code>" + escape_markup(value) + "</code>";
}

std::string mail_table(const MailServer& server, Text caption, const Address& address, Lang lang) {
    std::string table = "<table class=\"settings\"><caption>" + escape_markup(text(caption, lang)) +
                        "</caption>\n<tbody>\n";
    table += row(Text::field_server, lang, code_markup(expand_placeholders(server.name, address)));
    table += row(Text::field_port, lang, code_markup(std::to_string(server.port)));
    table += row(Text::field_security, lang, escape_markup(text(security_text(server), lang)));
    table +=
        row(Text::field_user, lang, code_markup(expand_placeholders(server.user_name, address)));
    table += row(Text::field_auth, lang,
                 escape_markup(text(authentication_text(server.authentication), lang)));
    return table + "</tbody></table>\n";
}

std::string dav_table(const DavServer& server, const Address& address, Lang lang) {
    const Text caption = server.type == DavType::caldav ? Text::calendar : Text::contacts;
    std::string table = "<table class=\"settings\"><caption>" + escape_markup(text(caption, lang)) +
                        "</caption>\n<tbody>\n";
    table +=
        row(Text::field_url, lang, code_markup(expand_placeholders_in_url(server.url, address)));
    if (server.user_name) {
        table += row(Text::field_user, lang,
                     code_markup(expand_placeholders(*server.user_name, address)));
    }
    return table + "</tbody></table>\n";
}

std::string tables(const DomainSettings& settings, const Address& address, Lang lang) {
    const MailServer* imap = choose_server(settings.servers, ServerType::imap);
    const MailServer* pop = choose_server(settings.servers, ServerType::pop);
    const MailServer* smtp = choose_server(settings.servers, ServerType::smtp);
    if (imap == nullptr && pop == nullptr && smtp == nullptr) {
        return "<p>" + escape_markup(text(Text::no_servers, lang)) + "</p>\n";
    }
    std::string out;
    if (imap != nullptr)
        out += mail_table(*imap, Text::incoming_imap, address, lang);
    if (pop != nullptr)
        out += mail_table(*pop, Text::incoming_pop, address, lang);
    if (smtp != nullptr)
        out += mail_table(*smtp, Text::outgoing, address, lang);
    for (const DavServer& dav : settings.dav_servers)
        out += dav_table(dav, address, lang);
    return out;
}

// SPEC §9: the profile needs an incoming and an SMTP server, else Mobileconfig is 400.
bool profile_possible(const DomainSettings& settings) {
    const bool incoming = choose_server(settings.servers, ServerType::imap) != nullptr ||
                          choose_server(settings.servers, ServerType::pop) != nullptr;
    return incoming && choose_server(settings.servers, ServerType::smtp) != nullptr;
}

std::string apple_section(const Request& request, const Address& address,
                          const std::optional<std::string>& name, Lang lang, bool possible) {
    if (!possible) {
        return "<p>" + escape_markup(text(Text::apple_none, lang)) + "</p>\n";
    }
    const std::string path = profile_path(address, name);
    std::string out = "<ol><li>" + escape_markup(text(Text::apple_1, lang)) +
                      " <a class=\"download\" id=\"profile-link\" href=\"" + escape_markup(path) +
                      "\">" + escape_markup(text(Text::download, lang)) + "</a></li>\n<li>" +
                      escape_markup(text(Text::apple_2, lang)) + "</li>\n<li>" +
                      escape_markup(text(Text::apple_3, lang)) + "</li></ol>\n";
    // The QR code is an image of its own: encoding costs more than the rest of the page,
    // and only a browser that shows images asks for it (and may cache it).
    if (request_origin(request)) {
        std::string src = "/setup/qr.svg?" + path.substr(path.find('?') + 1);
        out += "<img class=\"qr\" id=\"profile-qr\" width=\"256\" height=\"256\" src=\"" +
               escape_markup(src) + "\" alt=\"" +
               fill(escape_markup(text(Text::qr_title, lang)),
                    {{"address", escape_markup(address.full())}}, "{", "}") +
               "\">\n";
    }
    return out;
}

}  // namespace

std::string fill(std::string_view text, const Fields& fields, std::string_view open,
                 std::string_view close) {
    std::string out;
    out.reserve(text.size() * 2);
    std::size_t at = 0;
    while (at < text.size()) {
        std::size_t start = text.find(open, at);
        if (start == std::string_view::npos)
            break;
        std::size_t end = text.find(close, start + open.size());
        if (end == std::string_view::npos)
            break;
        std::string_view key = text.substr(start + open.size(), end - start - open.size());
        auto found = std::find_if(fields.begin(), fields.end(),
                                  [&](const auto& field) { return field.first == key; });
        out.append(text.substr(at, start - at));
        if (found == fields.end()) {
            out.append(text.substr(start, end + close.size() - start));
        } else {
            out.append(found->second);
        }
        at = end + close.size();
    }
    out.append(text.substr(at));
    return out;
}

std::string self_link(const Request& request, Lang lang) {
    std::string link = request.path == "/setup" ? "/setup?" : "/?";
    for (const char* key : {"emailaddress", "name"}) {
        if (auto value = request.param(key); value && !value->empty() && value->size() <= 254) {
            link += key;
            link += "=" + percent_encode(*value, "@") + "&";
        }
    }
    return link + "lang=" + std::string(code(lang));
}

std::string profile_path(const Address& address, const std::optional<std::string>& name) {
    std::string path = "/mobileconfig/?emailaddress=" + percent_encode(address.full(), "@");
    if (name) {
        path += "&name=" + percent_encode(*name);
    }
    return path;
}

std::optional<std::string> request_origin(const Request& request) {
    if (!url::usable_host(request.host)) {
        return std::nullopt;
    }
    const std::string scheme = request.scheme == "https" ? "https" : "http";
    std::string origin = scheme + "://" + request.host;
    // Debian's fastcgi_params passes nginx's $host, which drops the port.
    const std::size_t bracket = request.host.rfind(']');
    const bool has_port =
        request.host.find(':', bracket == std::string::npos ? 0 : bracket) != std::string::npos;
    const std::string_view port = request.server_port;
    const bool digits =
        !port.empty() && port.size() <= 5 &&
        std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; });
    const std::string_view default_port = scheme == "https" ? "443" : "80";
    if (!has_port && digits && port != default_port) {
        origin += ":" + std::string(port);
    }
    return origin;
}

std::string result_content(const Request& request, const DomainSettings& settings,
                           const Address& address, const std::optional<std::string>& name,
                           Lang lang) {
    auto t = [lang](Text which) { return escape_markup(text(which, lang)); };
    return fill(templates::get("setup-result.html"),
                {{"tables", tables(settings, address, lang)},
                 {"steps_heading", t(Text::steps_heading)},
                 {"tb_1", t(Text::tb_1)},
                 {"tb_2", t(Text::tb_2)},
                 {"outlook_1", t(Text::outlook_1)},
                 {"outlook_2", t(Text::outlook_2)},
                 {"apple_heading", t(Text::apple_heading)},
                 {"apple", apple_section(request, address, name, lang, profile_possible(settings))},
                 {"android_1", t(Text::android_1)},
                 {"android_2", t(Text::android_2)},
                 {"another_href", "/?lang=" + std::string(code(lang))},
                 {"another", t(Text::another)}});
}

}  // namespace automx2::pages
