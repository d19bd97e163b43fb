// The words of the data model, defined once (SPEC §2, §8, §10, §12): server types, DAV
// types, socket types, authentication words, and the defaults the database, the seed
// and the builders fall back to. Parsing is ASCII case-insensitive everywhere; the
// word lists feed error messages, so a message never drifts from what is accepted.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace automx2 {

enum class ServerType { imap, pop, smtp };
enum class DavType { caldav, carddav };
// SPEC §16: endpoints that are URLs rather than host and port.
enum class EndpointType { activesync, ews, jmap };

// What the database's socket_type may say: SSL (implicit TLS), STARTTLS, plain
// (automx2's sample data), and Autodiscover's Auto and None (SPEC §8).
enum class SocketType { ssl, starttls, plain, automatic, none };

// SPEC §12: one canonical value, rendered by each builder in its client's words.
enum class Authentication { cleartext, encrypted, ntlm, gssapi, oauth2, client_ip, none };

// nullopt for anything not in the lists below.
std::optional<ServerType> parse_server_type(std::string_view text);
std::optional<DavType> parse_dav_type(std::string_view text);
std::optional<EndpointType> parse_endpoint_type(std::string_view text);
std::optional<SocketType> parse_socket_type(std::string_view text);
// automx2's words (plain, NTLM, none) and Thunderbird's (password-cleartext,
// password-encrypted, OAuth2, GSSAPI, NTLM, client-IP-address, none).
std::optional<Authentication> parse_authentication(std::string_view text);

// The word stored in the database for each value ("pop", "SSL", "plain", …).
std::string_view word(ServerType type);
std::string_view word(DavType type);
std::string_view word(EndpointType type);
std::string_view word(SocketType type);
std::string_view word(Authentication authentication);

// Every accepted word, comma-separated, for messages: "imap, pop, smtp".
std::string server_type_words();
std::string dav_type_words();
std::string endpoint_type_words();
std::string socket_type_words();
std::string authentication_words();

// SSL and STARTTLS: the connection is encrypted before a password is sent.
constexpr bool encrypted(SocketType type) {
    return type == SocketType::ssl || type == SocketType::starttls;
}
// The same for a database word; an unknown word is not encrypted.
bool encrypted_socket(std::string_view socket_type);

// A boolean column (use_ssl, domain_required) read as text: text::parse_bool's words,
// plus PostgreSQL's t and y, which its boolean type prints; anything else is false.
bool stored_flag(std::string_view text);

// SPEC §3: the placeholders a database value may hold.
namespace placeholder {
inline constexpr std::string_view address = "%EMAILADDRESS%";
inline constexpr std::string_view local_part = "%EMAILLOCALPART%";
inline constexpr std::string_view domain = "%EMAILDOMAIN%";
}  // namespace placeholder

// SPEC §2 (a NULL column) and §10 (a key the seed leaves out).
namespace defaults {
inline constexpr int prio = 10;
inline constexpr std::string_view user_name = placeholder::address;
inline constexpr std::string_view authentication = "plain";
inline constexpr std::string_view socket_type = "STARTTLS";  // a NULL socket_type column

// Seed: imap 993, pop 995, smtp 465 (the implicit-TLS ports).
int mail_port(ServerType type);
// Seed: SSL on 465, 993 and 995, STARTTLS elsewhere.
std::string_view socket_type_for_port(int port);

inline constexpr int dav_port = 0;  // none: the url's port or the scheme's
inline constexpr bool dav_domain_required = true;
inline constexpr std::string_view dav_user_name = placeholder::address;
bool dav_use_ssl(std::string_view url);  // the url starts with https:

inline constexpr int ldap_port = 636;
constexpr bool ldap_use_ssl(int port) {
    return port == ldap_port;
}
inline constexpr std::string_view ldap_search_filter = "(mail={0})";
inline constexpr std::string_view ldap_attr_uid = "uid";
inline constexpr std::string_view ldap_attr_cn = "cn";
}  // namespace defaults

}  // namespace automx2
