// DNS queries for the `check` command over libldns: the system's resolver
// (/etc/resolv.conf) or one given as ADDR[:PORT], each query bounded by a timeout.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "core/publish_check.h"

namespace automx2 {

class DnsQuery {
  public:
    // `resolver`: "192.0.2.1", "192.0.2.1:5353", "[2001:db8::1]:53" or "2001:db8::1";
    // none: the system's. Throws std::invalid_argument for a malformed address and
    // std::runtime_error when the system's configuration cannot be read.
    DnsQuery(const std::optional<std::string>& resolver, std::chrono::milliseconds timeout);
    ~DnsQuery();
    DnsQuery(const DnsQuery&) = delete;
    DnsQuery& operator=(const DnsQuery&) = delete;

    // The records of `type` ("SRV", "CNAME", "TXT") at the absolute name `owner`, as
    // core/publish_check.h normalises them; NXDOMAIN and an empty answer are no_records.
    DnsAnswer query(const std::string& owner, const std::string& type) const;

  private:
    struct Resolver;
    std::unique_ptr<Resolver> resolver_;
};

}  // namespace automx2
