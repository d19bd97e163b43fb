// The whole request path: a FastCGI environment from the fuzz input → make_request →
// Dispatcher over an in-memory SQLite store holding the sample data. Invariants: no
// 500 (an exception nobody expected), no header able to split the response, every
// XML answer well-formed and every JSON answer (PACC, Autodiscover v2) valid JSON.
#include <libxml/parser.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "backends/sql_store.h"
#include "core/cgi.h"
#include "core/db_uri.h"
#include "core/dispatcher.h"
#include "core/log.h"
#include "core/seed.h"
#include "test/fuzz/fuzz_input.h"

using namespace automx2;

namespace {

struct World {
    Config config;
    std::unique_ptr<Store> store;
    std::unique_ptr<Resolver> resolver;
    std::unique_ptr<Dispatcher> dispatcher;

    World() {
        log::set_level(log::Level::critical);
        reset();
    }
    // A fresh database with the sample data (after a request that may have changed it).
    void reset() {
        dispatcher.reset();
        resolver.reset();
        store = open_sql_store(parse_db_uri("sqlite:///:memory:"), SqlStoreOptions{});
        store->initialise(sample_seed());
        resolver = std::make_unique<Resolver>(*store, nullptr);
        dispatcher = std::make_unique<Dispatcher>(Services{config, *store, *resolver});
    }
};

struct XmlDocFree {
    void operator()(xmlDoc* doc) const { xmlFreeDoc(doc); }
};

constexpr std::array<const char*, 7> names{"REQUEST_METHOD",      "REQUEST_URI", "QUERY_STRING",
                                           "CONTENT_TYPE",        "REMOTE_ADDR", "HTTP_HOST",
                                           "HTTP_X_FORWARDED_FOR"};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static World world;
    fuzz::Fields fields(data, size);
    std::array<std::string_view, names.size()> values{};
    for (auto& value : values)
        value = fields.next();
    std::string_view body = fields.rest();
    auto lookup = [&](const char* name) -> std::string_view {
        for (std::size_t i = 0; i < names.size(); ++i) {
            if (std::strcmp(names[i], name) == 0)
                return values[i];
        }
        return {};
    };
    Request request = make_request(lookup, world.config);
    append_body(request, body, world.config.max_body_size);

    Response response = world.dispatcher->handle(request);
    fuzz::check(response.status != 500, "internal error", response.body);
    for (const auto& [name, value] : response.headers) {
        fuzz::check(name.find_first_of("\r\n:", 0) == std::string::npos, "header name", name);
        fuzz::check(value.find_first_of(std::string_view("\r\n\0", 3)) == std::string::npos,
                    "header value could split the response", value);
    }
    if (response.status == 200 && (response.content_type.find("xml") != std::string::npos ||
                                   response.content_type.find("aspen") != std::string::npos)) {
        std::unique_ptr<xmlDoc, XmlDocFree> doc(
            xmlReadMemory(response.body.data(), static_cast<int>(response.body.size()), nullptr,
                          nullptr, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING));
        fuzz::check(doc != nullptr, "malformed XML answered", response.body);
    }
    if (response.status == 200 && response.content_type == "application/json") {
        fuzz::check(nlohmann::json::accept(response.body), "malformed JSON answered",
                    response.body);
    }
    if (match_route(request.path) == Route::initdb)
        world.reset();
    return 0;
}
