#include "app/probe/https_fetch.h"

#include <curl/curl.h>

#include <memory>

namespace automx2 {
namespace {

struct CurlFree {
    void operator()(CURL* c) const noexcept { curl_easy_cleanup(c); }
    void operator()(curl_slist* l) const noexcept { curl_slist_free_all(l); }
};
using CurlPtr = std::unique_ptr<CURL, CurlFree>;
using ListPtr = std::unique_ptr<curl_slist, CurlFree>;

struct Sink {
    std::string body;
    std::size_t limit = 0;
    bool too_large = false;
};

std::size_t write_body(char* data, std::size_t size, std::size_t count, void* user) {
    auto* sink = static_cast<Sink*>(user);
    const std::size_t n = size * count;
    if (sink->body.size() + n > sink->limit) {
        sink->too_large = true;
        return 0;  // curl stops with CURLE_WRITE_ERROR
    }
    sink->body.append(data, n);
    return n;
}

}  // namespace

HttpsSession::HttpsSession() {
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

HttpsSession::~HttpsSession() {
    curl_global_cleanup();
}

FetchResult https_fetch(const FetchOptions& options, const std::string& url,
                        const std::string* post_body, const std::string& content_type) {
    FetchResult result;
    CurlPtr curl(curl_easy_init());
    if (!curl) {
        result.error = "cannot start libcurl";
        return result;
    }
    CURL* c = curl.get();
    Sink sink;
    sink.limit = options.max_body;
    char error[CURL_ERROR_SIZE] = "";
    ListPtr headers;
    ListPtr connect_to;
    const long timeout_ms = static_cast<long>(options.timeout.count());
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(options.max_body));
    curl_easy_setopt(c, CURLOPT_USERAGENT, "automx2-fcgi-check/" AUTOMX2_VERSION);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
    if (!options.cafile.empty())
        curl_easy_setopt(c, CURLOPT_CAINFO, options.cafile.c_str());
    if (!options.connect_to.empty()) {
        // "::HOST:PORT": any name and port of the URL is reached at HOST:PORT.
        const std::string rule = "::" + options.connect_to;
        connect_to.reset(curl_slist_append(nullptr, rule.c_str()));
        curl_easy_setopt(c, CURLOPT_CONNECT_TO, connect_to.get());
    }
    if (post_body != nullptr) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, post_body->data());
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
                         static_cast<curl_off_t>(post_body->size()));
        const std::string header = "Content-Type: " + content_type;
        headers.reset(curl_slist_append(nullptr, header.c_str()));
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
    }
    const CURLcode code = curl_easy_perform(c);
    if (code != CURLE_OK) {
        if (sink.too_large || code == CURLE_FILESIZE_EXCEEDED) {
            result.error =
                "the answer is larger than " + std::to_string(options.max_body) + " bytes";
        } else {
            result.error = error[0] != '\0' ? error : curl_easy_strerror(code);
        }
        return result;
    }
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    const char* type = nullptr;
    curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &type);
    result.ok = true;
    result.status = status;
    result.content_type = type != nullptr ? type : "";
    result.body = std::move(sink.body);
    return result;
}

}  // namespace automx2
