// automx2-fcgi [--config FILE] check [DOMAIN…] [--resolver ADDR[:PORT]] [--cafile FILE]
//     [--connect HOST:PORT] [--timeout SECONDS] [--json]
//
// Read-only: compares what the world sees with what this service publishes. The DNS
// records the `dns` command prints (SRV, CNAME, TXT, the PACC TXT record) are queried
// (the system's resolver, or --resolver), and the documents are fetched over HTTPS with
// certificates verified: https://autoconfig.{domain}/mail/config-v1.1.xml, the
// Autodiscover POST to https://autodiscover.{domain}/autodiscover/autodiscover.xml and
// https://ua-auto-config.{domain}/.well-known/user-agent-configuration.json (the address
// asked for is postmaster@{domain}). Each is compared with this service's answer from its
// own database (the dispatcher, in-process): PASS, MISSING, DIFFERS or ERROR per item, a
// table (or JSON with --json) on stdout. Every domain of the database when none is named.
// Exit 0 when every item passed, 1 otherwise, 2 on configuration or database errors.
#pragma once

#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include "app/command_line.h"
#include "core/dispatcher.h"
#include "core/publish_check.h"
#include "core/store.h"

namespace automx2 {

int run_check(const CommandLine& line, std::ostream& out, std::ostream& err);

// How the check reaches the world (replaced by fakes in the unit tests).
struct CheckProbes {
    std::function<DnsAnswer(const std::string& owner, const std::string& type)> dns;
    // post_body null: GET.
    std::function<FetchResult(const std::string& url, const std::string* post_body,
                              const std::string& content_type)>
        fetch;
};

// The items of one domain (as given; normalised here). Throws what the store throws.
std::vector<CheckItem> check_domain(const Dispatcher& dispatcher, Store& store,
                                    const std::string& domain, const std::string& service_host,
                                    const CheckProbes& probes);

}  // namespace automx2
