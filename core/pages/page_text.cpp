#include "core/pages/page_text.h"

#include <array>
#include <cstddef>
#include <optional>

#include "core/text.h"

namespace automx2::pages {
namespace {

struct Entry {
    Text key;
    std::string_view en;
    std::string_view de;
};

// The catalogue. Words of the clients' own menus (Thunderbird, Outlook, iOS) as those
// clients show them in each language, so a person finds them on screen.
constexpr std::array<Entry, static_cast<std::size_t>(Text::count_)> catalogue{{
    {Text::title, "Set up your mail account", "E-Mail-Konto einrichten"},
    {Text::intro,
     "Enter your email address to see the settings for your mail program, and to install "
     "them on an iPhone, iPad or Mac.",
     "Geben Sie Ihre E-Mail-Adresse ein, um die Einstellungen für Ihr E-Mail-Programm zu "
     "sehen und sie auf iPhone, iPad oder Mac zu installieren."},
    {Text::language, "Language", "Sprache"},
    {Text::label_address, "Email address", "E-Mail-Adresse"},
    {Text::label_name, "Your name (optional, for the Apple profile)",
     "Ihr Name (optional, für das Apple-Profil)"},
    {Text::submit, "Show settings", "Einstellungen anzeigen"},
    {Text::example, "For mail programs:", "Für E-Mail-Programme:"},
    {Text::err_missing, "Please enter your email address.",
     "Bitte geben Sie Ihre E-Mail-Adresse ein."},
    {Text::err_invalid, "This is not a valid email address: {address}",
     "Dies ist keine gültige E-Mail-Adresse: {address}"},
    {Text::err_too_long,
     "This email address is too long or contains characters that are not allowed (at most "
     "254 characters).",
     "Diese E-Mail-Adresse ist zu lang oder enthält unzulässige Zeichen (höchstens 254 "
     "Zeichen)."},
    {Text::err_name,
     "The name is too long or contains characters that are not allowed (at most 128 bytes).",
     "Der Name ist zu lang oder enthält unzulässige Zeichen (höchstens 128 Byte)."},
    {Text::unknown_heading, "Domain not served here", "Domain wird hier nicht betreut"},
    {Text::unknown_text,
     "This service has no settings for {address}: the domain {domain} is not served here, "
     "or the address is not known. Please ask your mail provider.",
     "Dieser Dienst hat keine Einstellungen für {address}: Die Domain {domain} wird hier "
     "nicht betreut, oder die Adresse ist unbekannt. Bitte fragen Sie Ihren E-Mail-Anbieter."},
    {Text::settings_heading, "Settings for {address}", "Einstellungen für {address}"},
    {Text::incoming_imap, "Incoming mail (IMAP)", "Posteingang (IMAP)"},
    {Text::incoming_pop, "Incoming mail (POP3)", "Posteingang (POP3)"},
    {Text::outgoing, "Outgoing mail (SMTP)", "Postausgang (SMTP)"},
    {Text::calendar, "Calendar (CalDAV)", "Kalender (CalDAV)"},
    {Text::contacts, "Contacts (CardDAV)", "Kontakte (CardDAV)"},
    {Text::field_server, "Server", "Server"},
    {Text::field_port, "Port", "Port"},
    {Text::field_security, "Connection security", "Verbindungssicherheit"},
    {Text::field_user, "User name", "Benutzername"},
    {Text::field_auth, "Authentication", "Authentifizierung"},
    {Text::field_url, "Address (URL)", "Adresse (URL)"},
    {Text::sec_ssl, "SSL/TLS", "SSL/TLS"},
    {Text::sec_starttls, "STARTTLS", "STARTTLS"},
    {Text::sec_none, "None (unencrypted)", "Keine (unverschlüsselt)"},
    {Text::auth_cleartext, "Normal password", "Passwort, normal"},
    {Text::auth_encrypted, "Encrypted password", "Verschlüsseltes Passwort"},
    {Text::auth_ntlm, "NTLM", "NTLM"},
    {Text::auth_gssapi, "Kerberos / GSSAPI", "Kerberos / GSSAPI"},
    {Text::auth_oauth2, "OAuth2", "OAuth2"},
    {Text::auth_client_ip, "None (by network address)", "Keine (über die Netzwerkadresse)"},
    {Text::auth_none, "None", "Keine"},
    {Text::no_servers, "No mail servers are configured for this domain yet.",
     "Für diese Domain sind noch keine Mailserver eingetragen."},
    {Text::steps_heading, "Step by step", "Schritt für Schritt"},
    {Text::tb_1, "Add a new mail account and enter your name, this address and your password.",
     "Fügen Sie ein neues E-Mail-Konto hinzu und geben Sie Ihren Namen, diese Adresse und Ihr "
     "Passwort ein."},
    {Text::tb_2,
     "Thunderbird finds the settings itself. Check that they match the table above, then "
     "click Done.",
     "Thunderbird findet die Einstellungen selbst. Prüfen Sie, ob sie mit der Tabelle oben "
     "übereinstimmen, und klicken Sie auf Fertig."},
    {Text::outlook_1, "Choose File, Add Account, and enter this address.",
     "Wählen Sie Datei, Konto hinzufügen, und geben Sie diese Adresse ein."},
    {Text::outlook_2,
     "Outlook finds the settings itself. If it asks, choose IMAP and enter the values from "
     "the table.",
     "Outlook findet die Einstellungen selbst. Falls es fragt, wählen Sie IMAP und tragen "
     "Sie die Werte aus der Tabelle ein."},
    {Text::apple_heading, "Apple Mail (iPhone, iPad, Mac)", "Apple Mail (iPhone, iPad, Mac)"},
    {Text::apple_1,
     "Download the configuration profile:", "Laden Sie das Konfigurationsprofil herunter:"},
    {Text::apple_2,
     "On an iPhone or iPad, open this page in Safari, or scan the QR code with the camera.",
     "Öffnen Sie diese Seite auf iPhone oder iPad in Safari, oder scannen Sie den QR-Code mit "
     "der Kamera."},
    {Text::apple_3,
     "Open Settings, tap Profile Downloaded, then Install, and enter your password when asked.",
     "Öffnen Sie Einstellungen, tippen Sie auf Profil geladen, dann auf Installieren, und "
     "geben Sie Ihr Passwort ein, wenn Sie gefragt werden."},
    {Text::apple_none,
     "There is no profile for this domain: it needs an incoming and an outgoing server.",
     "Für diese Domain gibt es kein Profil: Dafür fehlt ein Posteingangs- oder "
     "Postausgangsserver."},
    {Text::download, "Download the profile", "Profil herunterladen"},
    {Text::qr_title, "QR code: opens the profile for {address}",
     "QR-Code: öffnet das Profil für {address}"},
    {Text::android_1,
     "Thunderbird for Android (K-9 Mail) finds the settings itself: enter this address and "
     "your password.",
     "Thunderbird für Android (K-9 Mail) findet die Einstellungen selbst: Geben Sie diese "
     "Adresse und Ihr Passwort ein."},
    {Text::android_2,
     "In other mail apps choose manual setup (IMAP) and enter the values from the table.",
     "In anderen E-Mail-Apps wählen Sie die manuelle Einrichtung (IMAP) und tragen Sie die "
     "Werte aus der Tabelle ein."},
    {Text::another, "Another address", "Andere Adresse"},
}};

constexpr bool in_enum_order() {
    for (std::size_t i = 0; i < catalogue.size(); ++i) {
        if (static_cast<std::size_t>(catalogue[i].key) != i)
            return false;
    }
    return true;
}
static_assert(in_enum_order(), "the catalogue must list every Text in enum order");

// RFC 9110 weight: "q=0.8" → 800; malformed → 0 (ignored).
int weight_of(std::string_view params) {
    int weight = 1000;
    while (!params.empty()) {
        std::size_t semi = params.find(';');
        std::string_view param = text::trim(params.substr(0, semi));
        params = semi == std::string_view::npos ? std::string_view{} : params.substr(semi + 1);
        if (param.size() < 2 || text::ascii_lower(param[0]) != 'q' || param[1] != '=')
            continue;
        std::string_view value = param.substr(2);
        if (value.empty() || value.size() > 5 || (value[0] != '0' && value[0] != '1'))
            return 0;
        int whole = value[0] - '0';
        int fraction = 0;
        int digits = 0;
        if (value.size() > 1) {
            if (value[1] != '.')
                return 0;
            for (char c : value.substr(2)) {
                if (c < '0' || c > '9')
                    return 0;
                fraction = fraction * 10 + (c - '0');
                ++digits;
            }
        }
        while (digits++ < 3)
            fraction *= 10;
        weight = whole * 1000 + fraction;
        return weight > 1000 ? 0 : weight;
    }
    return weight;
}

// "de", "de-AT", "DE-ch" → de; "*" matches English (the default).
std::optional<Lang> supported(std::string_view range) {
    std::string_view primary = range.substr(0, range.find('-'));
    if (text::iequals(primary, "de"))
        return Lang::de;
    if (text::iequals(primary, "en") || primary == "*")
        return Lang::en;
    return std::nullopt;
}

}  // namespace

std::string_view text(Text which, Lang lang) {
    const Entry& entry = catalogue.at(static_cast<std::size_t>(which));
    return lang == Lang::de ? entry.de : entry.en;
}

std::string_view code(Lang lang) {
    return lang == Lang::de ? "de" : "en";
}

Lang language_from_header(std::string_view header) {
    // Bounded work whatever a client sends: browsers send a few hundred bytes at most.
    header = header.substr(0, 1024);
    Lang best = Lang::en;
    int best_weight = 0;
    while (!header.empty()) {
        std::size_t comma = header.find(',');
        std::string_view item = header.substr(0, comma);
        header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);
        std::size_t semi = item.find(';');
        std::string_view range = text::trim(item.substr(0, semi));
        int weight = semi == std::string_view::npos ? 1000 : weight_of(item.substr(semi + 1));
        auto lang = supported(range);
        if (lang && weight > best_weight) {
            best = *lang;
            best_weight = weight;
        }
    }
    return best;
}

Lang choose_language(const Request& request) {
    if (auto wanted = request.param("lang")) {
        if (*wanted == "de")
            return Lang::de;
        if (*wanted == "en")
            return Lang::en;
    }
    return language_from_header(request.accept_language);
}

}  // namespace automx2::pages
