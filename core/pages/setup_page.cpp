#include "core/pages/setup_page.h"

#include <string>
#include <utility>
#include <vector>

#include "core/address.h"
#include "core/errors.h"
#include "core/pages/page_text.h"
#include "core/pages/qr_svg.h"
#include "core/pages/setup_sections.h"
#include "core/templates.h"
#include "core/text.h"
#include "core/utf8.h"

namespace automx2 {
namespace {

using pages::Lang;
using pages::Text;

constexpr std::size_t kMaxAddress = 254;  // RFC 5321
constexpr std::size_t kMaxName = 128;     // bytes; a display name, not an essay

struct PageInput {
    Lang lang = Lang::en;
    std::string address;  // as typed, trimmed; echoed into the form only when clean
    std::optional<std::string> name;
};

// Valid UTF-8 without control characters: the only text echoed into a page.
bool clean_text(std::string_view text) {
    for (std::size_t at = 0; at < text.size();) {
        auto point = utf8::decode(text, at);
        if (!point || point->value < 0x20 || (point->value >= 0x7f && point->value < 0xa0)) {
            return false;
        }
        at += point->length;
    }
    return true;
}

std::string languages_nav(const Request& request, Lang current) {
    std::string items;
    for (Lang lang : {Lang::en, Lang::de}) {
        const std::string_view label = lang == Lang::de ? "Deutsch" : "English";
        const std::string href = pages::self_link(request, lang);
        items += "<li><a href=\"" + escape_markup(href) + "\" hreflang=\"";
        items += pages::code(lang);
        items += "\" lang=\"";
        items += pages::code(lang);
        items += "\"";
        if (lang == current)
            items += " class=\"lang-current\" aria-current=\"true\"";
        items += ">";
        items += label;
        items += "</a></li>";
    }
    return items;
}

Response page(const Request& request, int status, Lang lang, std::string_view heading_markup,
              std::string content) {
    std::string body =
        pages::fill(templates::get("setup.html"),
                    {{"lang", std::string(pages::code(lang))},
                     {"title", escape_markup(pages::text(Text::title, lang))},
                     {"language_label", escape_markup(pages::text(Text::language, lang))},
                     {"languages", languages_nav(request, lang)},
                     {"heading", std::string(heading_markup)},
                     {"content", std::move(content)}});
    Response response = Response::html(status, std::move(body));
    add_page_security_headers(response);
    // The language follows Accept-Language: caches must keep one copy per language.
    response.headers.emplace_back("Vary", "Accept-Language");
    return response;
}

std::string form(const PageInput& input, std::string_view error_markup) {
    const Lang lang = input.lang;
    std::string error;
    if (!error_markup.empty()) {
        error = "<p class=\"error\" id=\"form-error\" role=\"alert\">" + std::string(error_markup) +
                "</p>\n";
    }
    return pages::fill(
        templates::get("setup-form.html"),
        {{"intro", escape_markup(pages::text(Text::intro, lang))},
         {"error", std::move(error)},
         {"lang", std::string(pages::code(lang))},
         {"label_address", escape_markup(pages::text(Text::label_address, lang))},
         {"label_name", escape_markup(pages::text(Text::label_name, lang))},
         {"submit", escape_markup(pages::text(Text::submit, lang))},
         {"address", escape_markup(input.address)},
         {"name", escape_markup(input.name.value_or(""))},
         {"described", error_markup.empty() ? std::string()
                                            : std::string(" aria-invalid=\"true\" "
                                                          "aria-describedby=\"form-error\"")}});
}

Response form_page(const Request& request, int status, const PageInput& input,
                   std::string_view error_markup) {
    return page(request, status, input.lang, escape_markup(pages::text(Text::title, input.lang)),
                form(input, error_markup));
}

}  // namespace

void add_page_security_headers(Response& response) {
    response.headers.emplace_back(
        "Content-Security-Policy",
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'none'");
    response.headers.emplace_back("X-Content-Type-Options", "nosniff");
    response.headers.emplace_back("Referrer-Policy", "no-referrer");
    response.headers.emplace_back("X-Frame-Options", "DENY");
}

Response setup_index_page(const Request& request) {
    PageInput input;
    input.lang = pages::choose_language(request);
    std::string content = form(input, {});
    content += "<p>";
    content += escape_markup(pages::text(Text::example, input.lang));
    content +=
        " <a href=\"/mail/config-v1.1.xml?emailaddress=abc@example.com\">"
        "/mail/config-v1.1.xml?emailaddress=abc@example.com</a></p>\n";
    return page(request, 200, input.lang, escape_markup(pages::text(Text::title, input.lang)),
                std::move(content));
}

Response handle_setup(const Request& request, const Services& services) {
    PageInput input;
    input.lang = pages::choose_language(request);
    const Lang lang = input.lang;
    auto raw_name = request.param("name");
    if (raw_name && !raw_name->empty()) {
        if (raw_name->size() > kMaxName || !clean_text(*raw_name)) {
            return form_page(request, 400, input, escape_markup(pages::text(Text::err_name, lang)));
        }
        input.name = *raw_name;
    }
    auto raw_address = request.param("emailaddress");
    if (!raw_address) {
        return form_page(request, 200, input, {});
    }
    const std::string_view typed = text::trim(*raw_address);
    if (typed.empty()) {
        return form_page(request, 400, input, escape_markup(pages::text(Text::err_missing, lang)));
    }
    if (typed.size() > kMaxAddress || !clean_text(typed)) {
        // Not echoed: an over-long or binary text does not belong in the form.
        return form_page(request, 400, input, escape_markup(pages::text(Text::err_too_long, lang)));
    }
    input.address = std::string(typed);
    Address address;
    try {
        address = parse_address(typed);
    } catch (const BadRequest&) {
        return form_page(request, 400, input,
                         pages::fill(escape_markup(pages::text(Text::err_invalid, lang)),
                                     {{"address", escape_markup(typed)}}, "{", "}"));
    }
    auto settings = services.resolver.resolve(address);
    if (!settings) {
        std::string content =
            "<p>" +
            pages::fill(escape_markup(pages::text(Text::unknown_text, lang)),
                        {{"address", "<strong>" + escape_markup(typed) + "</strong>"},
                         {"domain", escape_markup(address.domain)}},
                        "{", "}") +
            "</p>\n";
        content += form(input, {});
        return page(request, 404, lang, escape_markup(pages::text(Text::unknown_heading, lang)),
                    std::move(content));
    }
    const std::string heading =
        pages::fill(escape_markup(pages::text(Text::settings_heading, lang)),
                    {{"address", escape_markup(typed)}}, "{", "}");
    Response response = page(request, 200, lang, heading,
                             pages::result_content(request, *settings, address, input.name, lang));
    response.from_directory = settings->from_directory;  // the response cache's rule
    return response;
}

Response handle_setup_qr(const Request& request, const Services&) {
    auto raw_address = request.param("emailaddress");
    auto raw_name = request.param("name");
    std::optional<std::string> name;
    if (raw_name && !raw_name->empty()) {
        if (raw_name->size() > kMaxName || !clean_text(*raw_name)) {
            throw BadRequest("name too long or not clean UTF-8");
        }
        name = *raw_name;
    }
    if (!raw_address) {
        throw BadRequest("missing emailaddress");
    }
    const std::string_view typed = text::trim(*raw_address);
    if (typed.size() > kMaxAddress || !clean_text(typed)) {
        throw BadRequest("emailaddress too long or not clean UTF-8");
    }
    const Address address = parse_address(typed);
    auto origin = pages::request_origin(request);
    if (!origin) {
        throw BadRequest("no usable Host for the profile URL");
    }
    // No lookup: the code only carries the URL; the profile route answers for the domain.
    const std::string url = *origin + pages::profile_path(address, name);
    auto svg = pages::qr_svg(url, escape_markup(url));
    if (!svg) {
        throw BadRequest("the profile URL does not fit a QR code");
    }
    Response response{200, "image/svg+xml; charset=utf-8", {}, std::move(*svg)};
    add_page_security_headers(response);
    response.headers.emplace_back("Cache-Control", "public, max-age=86400");
    return response;
}

Response handle_setup_css(const Request&, const Services&) {
    Response response{200, "text/css; charset=utf-8", {}, std::string(templates::get("setup.css"))};
    add_page_security_headers(response);
    response.headers.emplace_back("Cache-Control", "public, max-age=86400");
    return response;
}

}  // namespace automx2
