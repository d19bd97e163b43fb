#include "core/api/tokens.h"

#include <fcntl.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
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

}  // namespace

TokenResult check_token(const std::string& tokens_file, std::string_view authorization) {
    std::ifstream in(tokens_file);
    if (!in) {
        return {TokenCheck::unreadable, {}};
    }
    authorization = text::trim(authorization);
    const std::size_t space = authorization.find(' ');
    if (space == std::string_view::npos ||
        !text::iequals(authorization.substr(0, space), "Bearer")) {
        return {TokenCheck::refused, {}};
    }
    const std::string hash = sha256_hex(text::trim(authorization.substr(space + 1)));
    TokenResult result;
    std::string line;
    // Every line is compared, so that the time taken does not tell which one matched.
    while (std::getline(in, line)) {
        const std::string_view entry = text::trim(line);
        const std::size_t colon = entry.rfind(':');
        if (entry.empty() || entry.front() == '#' || colon == std::string_view::npos) {
            continue;
        }
        if (constant_time_equal(entry.substr(colon + 1), hash) &&
            result.check != TokenCheck::accepted) {
            result = {TokenCheck::accepted, std::string(entry.substr(0, colon))};
        }
    }
    return result;
}

std::string add_token(const std::string& tokens_file, const std::string& name) {
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
    const std::string line = name + ":" + sha256_hex(token) + "\n";
    const ssize_t written = ::write(fd, line.data(), line.size());
    const int saved = errno;
    ::close(fd);
    if (written != static_cast<ssize_t>(line.size())) {
        throw std::runtime_error("cannot write " + tokens_file + ": " + std::strerror(saved));
    }
    return token;
}

}  // namespace automx2::api
