#include "core/vocabulary.h"

#include <array>

#include "core/text.h"

namespace automx2 {
namespace {

template <typename Enum>
struct Word {
    std::string_view text;
    Enum value;
};

// The first word of each value is the one written back (word()).
constexpr std::array<Word<ServerType>, 3> server_types{{
    {"imap", ServerType::imap},
    {"pop", ServerType::pop},
    {"smtp", ServerType::smtp},
}};

constexpr std::array<Word<DavType>, 2> dav_types{{
    {"caldav", DavType::caldav},
    {"carddav", DavType::carddav},
}};

constexpr std::array<Word<EndpointType>, 3> endpoint_types{{
    {"activesync", EndpointType::activesync},
    {"ews", EndpointType::ews},
    {"jmap", EndpointType::jmap},
}};

constexpr std::array<Word<SocketType>, 5> socket_types{{
    {"SSL", SocketType::ssl},
    {"STARTTLS", SocketType::starttls},
    {"plain", SocketType::plain},
    {"Auto", SocketType::automatic},
    {"None", SocketType::none},
}};

// SPEC §12's table.
constexpr std::array<Word<Authentication>, 8> authentications{{
    {"plain", Authentication::cleartext},
    {"password-cleartext", Authentication::cleartext},
    {"password-encrypted", Authentication::encrypted},
    {"NTLM", Authentication::ntlm},
    {"GSSAPI", Authentication::gssapi},
    {"OAuth2", Authentication::oauth2},
    {"client-IP-address", Authentication::client_ip},
    {"none", Authentication::none},
}};

template <typename Enum, std::size_t N>
std::optional<Enum> lookup(const std::array<Word<Enum>, N>& table, std::string_view text) {
    for (const auto& entry : table) {
        if (text::iequals(entry.text, text)) {
            return entry.value;
        }
    }
    return std::nullopt;
}

template <typename Enum, std::size_t N>
std::string_view find_word(const std::array<Word<Enum>, N>& table, Enum value) {
    for (const auto& entry : table) {
        if (entry.value == value) {
            return entry.text;
        }
    }
    return {};
}

template <typename Enum, std::size_t N>
std::string join(const std::array<Word<Enum>, N>& table) {
    std::string out;
    for (const auto& entry : table) {
        if (!out.empty()) {
            out += ", ";
        }
        out += entry.text;
    }
    return out;
}

}  // namespace

std::optional<ServerType> parse_server_type(std::string_view text) {
    return lookup(server_types, text);
}

std::optional<DavType> parse_dav_type(std::string_view text) {
    return lookup(dav_types, text);
}

std::optional<EndpointType> parse_endpoint_type(std::string_view text) {
    return lookup(endpoint_types, text);
}

std::optional<SocketType> parse_socket_type(std::string_view text) {
    return lookup(socket_types, text);
}

std::optional<Authentication> parse_authentication(std::string_view text) {
    return lookup(authentications, text);
}

std::string_view word(ServerType type) {
    return find_word(server_types, type);
}

std::string_view word(DavType type) {
    return find_word(dav_types, type);
}

std::string_view word(EndpointType type) {
    return find_word(endpoint_types, type);
}

std::string_view word(SocketType type) {
    return find_word(socket_types, type);
}

std::string_view word(Authentication authentication) {
    return find_word(authentications, authentication);
}

std::string server_type_words() {
    return join(server_types);
}

std::string dav_type_words() {
    return join(dav_types);
}

std::string endpoint_type_words() {
    return join(endpoint_types);
}

std::string socket_type_words() {
    return join(socket_types);
}

std::string authentication_words() {
    return join(authentications);
}

bool encrypted_socket(std::string_view socket_type) {
    const auto type = parse_socket_type(socket_type);
    return type && encrypted(*type);
}

bool stored_flag(std::string_view word) {
    return text::parse_bool(word).value_or(text::iequals(word, "t") || text::iequals(word, "y"));
}

namespace defaults {

int mail_port(ServerType type) {
    switch (type) {
        case ServerType::imap:
            return 993;
        case ServerType::pop:
            return 995;
        case ServerType::smtp:
            return 465;
    }
    return 465;
}

std::string_view socket_type_for_port(int port) {
    return port == 465 || port == 993 || port == 995 ? word(SocketType::ssl)
                                                     : word(SocketType::starttls);
}

bool dav_use_ssl(std::string_view url) {
    return url.starts_with("https:");
}

}  // namespace defaults

}  // namespace automx2
