#include "app/commands/check.h"

#include <chrono>
#include <cstdlib>
#include <map>
#include <ostream>
#include <sstream>
#include <stdexcept>

#include "app/commands/dns.h"
#include "app/commands/lookup.h"
#include "app/probe/dns_query.h"
#include "app/probe/https_fetch.h"
#include "app/runtime.h"
#include "core/address.h"
#include "core/errors.h"
#include "core/text.h"

namespace automx2 {
namespace {

constexpr int kExitPass = 0;
constexpr int kExitNotPassed = 1;
constexpr int kExitError = 2;
constexpr std::string_view kPaccPath = "/.well-known/user-agent-configuration.json";

CheckItem domain_problem(const std::string& domain, std::string detail) {
    CheckItem item;
    item.domain = domain;
    item.item = "database";
    item.status = CheckStatus::error;
    item.detail = std::move(detail);
    return item;
}

// The request this service would get from a client over HTTPS at `host`.
Request client_request(Request request, const std::string& host) {
    request.host = host;
    request.scheme = "https";
    return request;
}

std::chrono::milliseconds parse_timeout(const CommandLine& line) {
    const auto text = line.option("--timeout");
    if (!text)
        return std::chrono::milliseconds(10000);
    char* end = nullptr;
    const double seconds = std::strtod(text->c_str(), &end);
    if (text->empty() || *end != '\0' || !(seconds > 0) || seconds > 300)
        throw UsageError("--timeout takes seconds, more than 0 and at most 300", true);
    return std::chrono::milliseconds(static_cast<long>(seconds * 1000));
}

}  // namespace

std::vector<CheckItem> check_domain(const Dispatcher& dispatcher, Store& store,
                                    const std::string& given, const std::string& service_host,
                                    const CheckProbes& probes) {
    const auto domain = normalise_domain(given);
    if (!domain)
        return {domain_problem(text::printable(given, 200), "not a domain name")};
    const auto record = store.find_domain(*domain);
    if (!record)
        return {domain_problem(*domain, "not in the database")};

    std::vector<CheckItem> items;
    std::map<std::pair<std::string, std::string>, DnsAnswer> answers;
    auto dns = [&](const std::string& owner, const std::string& type) -> const DnsAnswer& {
        auto key = std::make_pair(owner, type);
        auto it = answers.find(key);
        if (it == answers.end())
            it = answers.emplace(key, probes.dns(owner, type)).first;
        return it->second;
    };
    // Exactly what the dns command prints: the zone records and PACC's.
    std::ostringstream zone;
    std::ostringstream zone_problems;
    print_dns(store, {*domain}, service_host, zone, zone_problems);
    const auto expected = parse_zone_records(zone.str());
    items.reserve(expected.size() + 5);  // the records, three documents, two digests
    for (const ExpectedRecords& set : expected)
        items.push_back(compare_records(*domain, set, dns(set.owner, set.type)));

    const std::string address = "postmaster@" + *domain;
    const Request autoconfig = client_request(lookup_request(address, LookupProtocol::autoconfig),
                                              "autoconfig." + *domain);
    const std::string autoconfig_url =
        "https://autoconfig." + *domain + autoconfig.path + "?" + autoconfig.query_string;
    items.push_back(compare_document(*domain, "autoconfig document", autoconfig_url,
                                     dispatcher.handle(autoconfig),
                                     probes.fetch(autoconfig_url, nullptr, {})));

    const Request autodiscover = client_request(
        lookup_request(address, LookupProtocol::autodiscover), "autodiscover." + *domain);
    const std::string autodiscover_url = "https://autodiscover." + *domain + autodiscover.path;
    items.push_back(compare_document(
        *domain, "autodiscover document", autodiscover_url, dispatcher.handle(autodiscover),
        probes.fetch(autodiscover_url, &autodiscover.body, autodiscover.content_type)));

    // PACC: checked when this service has a document or the zone names its TXT record.
    Request pacc;
    pacc.method = "GET";
    pacc.path = kPaccPath;
    pacc.remote_addr = "127.0.0.1";
    pacc = client_request(pacc, "ua-auto-config." + *domain);
    const Response own_pacc = dispatcher.handle(pacc);
    const std::string txt_owner = "_ua-auto-config." + *domain + ".";
    const bool txt_expected = std::any_of(expected.begin(), expected.end(), [&](const auto& s) {
        return s.owner == txt_owner && s.type == "TXT";
    });
    if (own_pacc.status != 200 && !txt_expected)
        return items;
    const std::string pacc_url = "https://ua-auto-config." + *domain + std::string(kPaccPath);
    const FetchResult fetched = probes.fetch(pacc_url, nullptr, {});
    items.push_back(compare_document(*domain, "PACC document", pacc_url, own_pacc, fetched));
    const DnsAnswer& txt = dns(txt_owner, "TXT");
    std::string fetch_problem;
    if (!fetched.ok)
        fetch_problem = pacc_url + ": " + fetched.error;
    else if (fetched.status != 200)
        fetch_problem = pacc_url + " answered " + std::to_string(fetched.status);
    items.push_back(compare_pacc_digest(*domain, "PACC digest of the served body", txt,
                                        fetch_problem.empty() ? &fetched.body : nullptr,
                                        fetch_problem));
    if (own_pacc.status == 200) {
        items.push_back(compare_pacc_digest(*domain, "PACC digest of this service's body", txt,
                                            &own_pacc.body, {}));
    }
    return items;
}

int run_check(const CommandLine& line, std::ostream& out, std::ostream& err) {
    FetchOptions fetch_options;
    fetch_options.timeout = parse_timeout(line);
    fetch_options.cafile = line.option("--cafile").value_or("");
    fetch_options.connect_to = line.option("--connect").value_or("");
    if (line.option("--connect") && fetch_options.connect_to.find(':') == std::string::npos) {
        throw UsageError("--connect takes HOST:PORT", true);
    }
    std::unique_ptr<DnsQuery> resolver;
    try {
        resolver = std::make_unique<DnsQuery>(line.option("--resolver"), fetch_options.timeout);
    } catch (const std::invalid_argument& e) {
        throw UsageError(e.what(), true);
    } catch (const std::runtime_error& e) {
        err << "automx2-fcgi: " << e.what() << "\n";
        return kExitError;
    }
    auto runtime = open_command_runtime(line.config_file, false, err);
    if (!runtime)
        return kExitError;
    const std::string& service_host = runtime->config().service_host;
    if (service_host.empty()) {
        err << "automx2-fcgi: service_host is not set: the _autodiscover._tcp SRV and the "
               "autoconfig/autodiscover CNAME records are not checked\n";
    }
    const HttpsSession https;
    const CheckProbes probes{
        [&](const std::string& owner, const std::string& type) {
            return resolver->query(owner, type);
        },
        [&](const std::string& url, const std::string* body, const std::string& type) {
            return https_fetch(fetch_options, url, body, type);
        }};
    std::vector<CheckItem> items;
    try {
        std::vector<std::string> names = line.words;
        if (names.empty())
            names = runtime->store().domain_names();
        if (names.empty()) {
            err << "automx2-fcgi: the database holds no domains\n";
            return kExitNotPassed;
        }
        for (const std::string& name : names) {
            auto domain_items =
                check_domain(runtime->dispatcher(), runtime->store(), name, service_host, probes);
            items.insert(items.end(), domain_items.begin(), domain_items.end());
        }
    } catch (const BackendUnavailable& e) {
        err << "automx2-fcgi: database unavailable: " << e.what() << "\n";
        return kExitError;
    }
    out << (line.option("--json") ? render_check_json(items) : render_check_table(items));
    out.flush();
    return all_passed(items) ? kExitPass : kExitNotPassed;
}

}  // namespace automx2
