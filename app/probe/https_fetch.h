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

// Once per process, before the first fetch (curl_global_init is not thread-safe).
void https_global_init();

// GET `url`, or POST `post_body` (with `content_type`) when post_body is not null.
FetchResult https_fetch(const FetchOptions& options, const std::string& url,
                        const std::string* post_body = nullptr,
                        const std::string& content_type = {});

}  // namespace automx2
