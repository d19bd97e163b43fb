#include "app/commands/lookup.h"

#include <ostream>

#include "app/runtime.h"
#include "core/address.h"
#include "core/builders/pacc.h"
#include "core/dispatcher.h"
#include "core/text.h"
#include "core/url.h"

namespace automx2 {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitNoContent = 1;  // 204: the domain is unknown
constexpr int kExitError = 2;

}  // namespace

int run_lookup(const CommandLine& line, std::ostream& out, std::ostream& err) {
    if (line.words.size() != 1) {
        throw UsageError("lookup needs exactly one ADDRESS", true);
    }
    auto protocol = parse_lookup_protocol(line.option("--protocol").value_or(""));
    if (!protocol) {
        throw UsageError("lookup needs --protocol autoconfig|autodiscover|mobileconfig|pacc", true);
    }
    auto runtime =
        open_command_runtime(line.config_file, *protocol == LookupProtocol::mobileconfig, err);
    if (!runtime)
        return kExitError;
    const Response response =
        runtime->dispatcher().handle(lookup_request(line.words[0], *protocol));
    err << response.status << " " << status_reason(response.status) << "\n";
    if (!response.content_type.empty()) {
        err << "Content-Type: " << response.content_type << "\n";
    }
    for (const auto& [name, value] : response.headers) {
        err << name << ": " << value << "\n";
    }
    if (*protocol == LookupProtocol::pacc && response.status == 200) {
        // The handler logged what is left out; this is the record to publish.
        const std::string& host = lookup_request(line.words[0], *protocol).host;
        if (auto domain = normalise_domain(host.substr(host.find('.') + 1))) {
            err << "TXT: " << pacc_txt_record(*domain, response.body) << "\n";
        }
    }
    out.write(response.body.data(), static_cast<std::streamsize>(response.body.size()));
    out.flush();
    if (!out)
        return kExitError;
    if (response.status == 200)
        return kExitOk;
    if (response.status == 204)
        return kExitNoContent;
    return kExitError;
}

std::optional<LookupProtocol> parse_lookup_protocol(std::string_view name) {
    if (text::iequals(name, "autoconfig"))
        return LookupProtocol::autoconfig;
    if (text::iequals(name, "autodiscover"))
        return LookupProtocol::autodiscover;
    if (text::iequals(name, "mobileconfig"))
        return LookupProtocol::mobileconfig;
    if (text::iequals(name, "pacc"))
        return LookupProtocol::pacc;
    return std::nullopt;
}

Request lookup_request(const std::string& address, LookupProtocol protocol) {
    Request request;
    request.remote_addr = "127.0.0.1";
    const auto at = address.rfind('@');
    request.host = "autoconfig." +
                   (at == std::string::npos ? std::string("localhost") : address.substr(at + 1));
    switch (protocol) {
        case LookupProtocol::pacc:
            // A domain or an address: PACC documents are per domain, named by Host.
            request.method = "GET";
            request.path = "/.well-known/user-agent-configuration.json";
            request.host =
                "ua-auto-config." + (at == std::string::npos ? address : address.substr(at + 1));
            break;
        case LookupProtocol::autoconfig:
        case LookupProtocol::mobileconfig:
            request.method = "GET";
            request.path =
                protocol == LookupProtocol::autoconfig ? "/mail/config-v1.1.xml" : "/mobileconfig/";
            request.query_string = "emailaddress=" + url::percent_encode(address);
            request.query = parse_query(request.query_string);
            break;
        case LookupProtocol::autodiscover:
            request.method = "POST";
            request.path = "/autodiscover/autodiscover.xml";
            request.content_type = "text/xml; charset=utf-8";
            request.body =
                "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                "<Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/"
                "outlook/requestschema/2006\"><Request><EMailAddress>" +
                escape_markup(address) +
                "</EMailAddress><AcceptableResponseSchema>http://schemas.microsoft.com/"
                "exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema>"
                "</Request></Autodiscover>";
            break;
    }
    return request;
}

}  // namespace automx2
