#include "core/api/tokens.h"

#include <fcntl.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include "core/errors.h"
#include "core/sha256.h"
#include "core/text.h"

namespace automx2::api {
namespace {

bool valid_name(std::string_view name) {
    return !name.empty() && name.size() <= 64 &&
           name.find_first_not_of(
               "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-"
               "@") == std::string_view::npos;
}

constexpr std::string_view kExpires = "expires=";

// "2027-01-31T23:59:59Z" → seconds since the epoch; nullopt when malformed.
std::optional<std::time_t> parse_expiry(std::string_view text) {
    std::tm tm{};
    char zone = 0;
    const std::string copy(text);
    if (text.size() != 20 ||
        std::sscanf(copy.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                    &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &zone) != 7 ||
        zone != 'Z' || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
        tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60) {
        return std::nullopt;
    }
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return timegm(&tm);
}

std::string format_expiry(std::time_t when) {
    std::tm tm{};
    gmtime_r(&when, &tm);
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buffer;
}

}  // namespace

std::optional<std::string> token_expiry(std::string_view text, std::time_t now) {
    text = text::trim(text);
    std::optional<std::time_t> when;
    if (!text.empty() && text.size() <= 5 &&
        text.find_first_not_of("0123456789") == std::string_view::npos) {
        when = now + static_cast<std::time_t>(std::stol(std::string(text))) * 86400;
    } else if (text.size() == 10) {
        when = parse_expiry(std::string(text) + "T23:59:59Z");
    }
    if (!when || *when <= now) {
        return std::nullopt;
    }
    return format_expiry(*when);
}

TokenResult check_token(const std::string& tokens_file, std::string_view authorization,
                        std::time_t now) {
    std::ifstream in(tokens_file);
    if (!in) {
        return {TokenCheck::unreadable, {}, {}};
    }
    authorization = text::trim(authorization);
    const std::size_t space = authorization.find(' ');
    if (space == std::string_view::npos ||
        !text::iequals(authorization.substr(0, space), "Bearer")) {
        return {TokenCheck::refused, {}, {}};
    }
    const std::string hash = sha256_hex(text::trim(authorization.substr(space + 1)));
    TokenResult result;
    std::string line;
    // Every line is compared, so that the time taken does not tell which one matched.
    while (std::getline(in, line)) {
        std::string_view entry = text::trim(line);
        std::string_view expiry;
        if (const std::size_t blank = entry.find_first_of(" \t"); blank != std::string_view::npos) {
            expiry = text::trim(entry.substr(blank));
            entry = entry.substr(0, blank);
        }
        const std::size_t colon = entry.rfind(':');
        if (entry.empty() || entry.front() == '#' || colon == std::string_view::npos) {
            continue;
        }
        if (constant_time_equal(entry.substr(colon + 1), hash) &&
            result.check != TokenCheck::accepted) {
            result = {TokenCheck::accepted, std::string(entry.substr(0, colon)), {}};
            if (!expiry.empty()) {
                // An expiry that cannot be read refuses the token: fail closed.
                const auto until = expiry.starts_with(kExpires)
                                       ? parse_expiry(expiry.substr(kExpires.size()))
                                       : std::nullopt;
                if (!until || now > *until) {
                    result.check = TokenCheck::expired;
                    result.expires = std::string(expiry);
                }
            }
        }
    }
    return result;
}

std::string add_token(const std::string& tokens_file, const std::string& name,
                      const std::optional<std::string>& expires) {
    if (!valid_name(name)) {
        throw BadRequest("a token name is 1 to 64 letters, digits, '.', '_', '-' or '@'");
    }
    {
        std::ifstream in(tokens_file);
        std::string line;
        while (std::getline(in, line)) {
            if (line.rfind(name + ":", 0) == 0) {
                throw BadRequest("a token named " + name + " exists already");
            }
        }
    }
    unsigned char random[32];
    if (RAND_bytes(random, sizeof random) != 1) {
        throw std::runtime_error("no random bytes for a token");
    }
    static constexpr char hex[] = "0123456789abcdef";
    std::string token;
    for (unsigned char byte : random) {
        token += hex[byte >> 4];
        token += hex[byte & 0xf];
    }
    const int fd = ::open(tokens_file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        throw std::runtime_error("cannot open " + tokens_file + ": " + std::strerror(errno));
    }
    const std::string line = name + ":" + sha256_hex(token) +
                             (expires ? " " + std::string(kExpires) + *expires : "") + "\n";
    const ssize_t written = ::write(fd, line.data(), line.size());
    const int saved = errno;
    ::close(fd);
    if (written != static_cast<ssize_t>(line.size())) {
        throw std::runtime_error("cannot write " + tokens_file + ": " + std::strerror(saved));
    }
    return token;
}

}  // namespace automx2::api
