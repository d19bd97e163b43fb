// The texts of the setup page in one place (issue 16): English first, German second.
// A language is chosen per request by ?lang= or Accept-Language.
#pragma once

#include <string_view>

#include "core/http.h"

namespace automx2::pages {

enum class Lang { en, de };

enum class Text {
    title,
    intro,
    language,
    label_address,
    label_name,
    submit,
    example,
    err_missing,
    err_invalid,
    err_too_long,
    err_name,
    unknown_heading,
    unknown_text,
    settings_heading,
    incoming_imap,
    incoming_pop,
    outgoing,
    calendar,
    contacts,
    field_server,
    field_port,
    field_security,
    field_user,
    field_auth,
    field_url,
    sec_ssl,
    sec_starttls,
    sec_none,
    auth_cleartext,
    auth_encrypted,
    auth_ntlm,
    auth_gssapi,
    auth_oauth2,
    auth_client_ip,
    auth_none,
    no_servers,
    steps_heading,
    tb_1,
    tb_2,
    outlook_1,
    outlook_2,
    apple_heading,
    apple_1,
    apple_2,
    apple_3,
    apple_none,
    download,
    qr_title,
    android_1,
    android_2,
    another,
    count_  // keep last
};

// The text in `lang`; some contain {address} or {domain}, filled in (escaped) by the page.
std::string_view text(Text which, Lang lang);

// "en" or "de", for <html lang> and ?lang=.
std::string_view code(Lang lang);

// ?lang=en|de wins; else the supported language with the highest q in
// Accept-Language (ties: the earlier one); else English.
Lang choose_language(const Request& request);

// Only the Accept-Language part, for the unit tests.
Lang language_from_header(std::string_view accept_language);

}  // namespace automx2::pages
