#include "core/response_cache.h"

#include <algorithm>
#include <atomic>
#include <unordered_map>
#include <utility>

namespace automx2 {

struct ResponseCache::Shard {
    struct Entry {
        Response response;
        Clock::time_point expires;
    };
    std::optional<std::uint64_t> token;
    std::unordered_map<std::string, Entry> entries;
    std::size_t bytes = 0;

    void drop() {
        entries.clear();
        bytes = 0;
    }
};

namespace {

std::atomic<std::uint64_t> next_id{1};

std::size_t size_of(const std::string& key, const Response& response) {
    std::size_t size = key.size() + response.body.size() + response.content_type.size();
    for (const auto& [name, value] : response.headers) {
        size += name.size() + value.size();
    }
    return size;
}

}  // namespace

ResponseCache::ResponseCache(CachePolicy policy) : policy_(policy), id_(next_id.fetch_add(1)) {}

ResponseCache::Shard& ResponseCache::shard() const {
    // Keyed by id: a cache made later at the same address must not inherit entries.
    thread_local std::unordered_map<std::uint64_t, Shard> shards;
    return shards[id_];
}

std::optional<std::string> ResponseCache::key(const Request& request, int kind) {
    // A cleartext password would sit in memory with the profile that carries it.
    if (request.param("password")) {
        return std::nullopt;
    }
    const std::size_t size = request.method.size() + request.query_string.size() +
                             request.host.size() + request.content_type.size() +
                             request.body.size() + request.scheme.size() +
                             request.server_port.size() + request.accept_language.size() + 16;
    if (size > max_key_size) {
        return std::nullopt;
    }
    // Handlers read the query, Host (SPEC §12 "No address"), the content type and the
    // body; the setup page also the scheme, the port (its QR URL) and Accept-Language.
    // NUL separates them (it cannot occur in any but the body, which comes last).
    std::string key;
    key.reserve(size);
    key += std::to_string(kind);
    for (const std::string* part :
         {&request.method, &request.query_string, &request.host, &request.content_type,
          &request.scheme, &request.server_port, &request.accept_language, &request.body}) {
        key += '\0';
        key += *part;
    }
    return key;
}

std::optional<Response> ResponseCache::find(const std::string& key,
                                            std::optional<std::uint64_t> token,
                                            Clock::time_point now) const {
    Shard& mine = shard();
    if (mine.token != token) {
        mine.drop();
        mine.token = token;
        return std::nullopt;
    }
    auto it = mine.entries.find(key);
    if (it == mine.entries.end()) {
        return std::nullopt;
    }
    if (now >= it->second.expires) {
        mine.bytes -= size_of(it->first, it->second.response);
        mine.entries.erase(it);
        return std::nullopt;
    }
    return it->second.response;
}

void ResponseCache::store(std::string key, const Response& response, AnswerSource source,
                          std::optional<std::uint64_t> token, Clock::time_point now) const {
    // A streamed body is never held, here or anywhere.
    if (response.status != 200 || response.stream || !enabled(token.has_value())) {
        return;
    }
    // With a token the database needs no clock; without one its TTL bounds the age.
    auto life = token ? Clock::duration::max() : Clock::duration(policy_.db_ttl);
    if (source == AnswerSource::directory) {
        life = std::min(life, Clock::duration(policy_.directory_ttl));
    }
    if (life <= Clock::duration::zero()) {
        return;
    }
    Shard& mine = shard();
    if (mine.token != token) {
        // Made under another token than the entries: they are the stale ones.
        mine.drop();
        mine.token = token;
    }
    const std::size_t size = size_of(key, response);
    if (size > max_bytes) {
        return;
    }
    if (mine.entries.size() >= max_entries || mine.bytes + size > max_bytes) {
        mine.drop();
    }
    const auto expires = life == Clock::duration::max() ? Clock::time_point::max() : now + life;
    auto [it, inserted] = mine.entries.try_emplace(std::move(key), Shard::Entry{response, expires});
    if (inserted) {
        mine.bytes += size;
    } else {
        mine.bytes -= size_of(it->first, it->second.response);
        it->second = Shard::Entry{response, expires};
        mine.bytes += size;
    }
}

void ResponseCache::clear() const {
    shard().drop();
}

bool ResponseCache::enabled(bool store_has_token) const {
    return store_has_token || policy_.db_ttl.count() > 0;
}

}  // namespace automx2
