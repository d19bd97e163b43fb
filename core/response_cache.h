// Rendered answers kept per worker thread (issue 14), so that a repeated question is
// answered without a lookup, a DOM and an allocation storm.
//
// Always correct by default (SPEC §16: a change shows at once): an answer is reused
// only while the store's change token (Store::change_token(), SQLite's
// PRAGMA data_version) is unchanged. A store without a token (MariaDB, PostgreSQL) is
// cached only when the operator allows answers up to `db_ttl` old; an answer that
// used an LDAP directory entry only when `directory_ttl` allows it, and never longer.
// Only 200 answers are kept. Each thread has its own entries: no lock on the way.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "core/http.h"

namespace automx2 {

struct CachePolicy {
    std::chrono::seconds db_ttl{0};         // stores without a change token; 0: never
    std::chrono::seconds directory_ttl{0};  // answers with LDAP data; 0: never
};

// What an answer depends on besides the database.
enum class AnswerSource { database, directory };

class ResponseCache {
  public:
    using Clock = std::chrono::steady_clock;
    // Per thread: a full set of entries is dropped as a whole.
    static constexpr std::size_t max_entries = 64;
    static constexpr std::size_t max_bytes = std::size_t{256} * 1024;
    // Longer keys (large Autodiscover bodies) are not worth keeping.
    static constexpr std::size_t max_key_size = 4096;

    explicit ResponseCache(CachePolicy policy);
    ~ResponseCache() = default;
    ResponseCache(const ResponseCache&) = delete;
    ResponseCache& operator=(const ResponseCache&) = delete;

    // Everything a cacheable handler reads from `request`, as one string; nullopt for a
    // request that must not be kept (a Mobileconfig password, a huge body). `kind`
    // names the handler.
    static std::optional<std::string> key(const Request& request, int kind);

    // The kept answer for `key`, when still valid under `token` (nullopt: the store
    // has none) at `now`. A token that differs from the one the entries were made
    // under drops all of this thread's entries.
    std::optional<Response> find(const std::string& key, std::optional<std::uint64_t> token,
                                 Clock::time_point now) const;

    // Keeps `response` when the policy allows it; `token` is the one read before the
    // answer was made (so a change during the lookup is never hidden).
    void store(std::string key, const Response& response, AnswerSource source,
               std::optional<std::uint64_t> token, Clock::time_point now) const;

    // Drops the calling thread's entries (tests).
    void clear() const;

    // Whether anything can ever be kept for a store with / without a change token.
    bool enabled(bool store_has_token) const;

  private:
    struct Shard;
    Shard& shard() const;

    CachePolicy policy_;
    std::uint64_t id_;  // the thread-local entries are found by it, never by address
};

}  // namespace automx2
