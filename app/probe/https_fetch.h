// HTTPS requests for the `check` command over libcurl: https only, certificates and host
// names verified, no redirects followed, every request bounded in time and size.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "core/publish_check.h"

namespace automx2 {

struct FetchOptions {
    std::string cafile;      // --cafile: trust this CA (PEM) instead of the system's
    std::string connect_to;  // --connect HOST:PORT: every name is reached there
    std::chrono::milliseconds timeout{10000};
    std::size_t max_body = std::size_t{1} << 20;  // 1 MiB: a larger answer is an error
};

// libcurl's global state for the fetches of one command: created before the first fetch
// and released after the last (curl_global_init/cleanup are not thread-safe: one at a
// time, on the main thread).
class HttpsSession {
  public:
    HttpsSession();
    ~HttpsSession();
    HttpsSession(const HttpsSession&) = delete;
    HttpsSession& operator=(const HttpsSession&) = delete;
};

// GET `url`, or POST `post_body` (with `content_type`) when post_body is not null.
FetchResult https_fetch(const FetchOptions& options, const std::string& url,
                        const std::string* post_body = nullptr,
                        const std::string& content_type = {});

}  // namespace automx2
