#include "core/builders/dns_zone.h"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <sstream>
#include <vector>

#include "core/address.h"
#include "core/builders/pacc.h"
#include "core/placeholders.h"
#include "core/text.h"
#include "core/url.h"
#include "core/vocabulary.h"

namespace automx2 {

namespace {

// Database text in a zone-file comment: one line, printable.
std::string comment_text(std::string_view text) {
    return text::printable(text, 200);
}

// A <character-string> of RFC 1035 §5.1: quoted, '"' and '\' escaped, anything not
// printable ASCII as \DDD.
std::string zone_quote(std::string_view text) {
    std::string out = "\"";
    for (unsigned char c : text) {
        if (c == '"' || c == '\\') {
            out.push_back('\\');
            out.push_back(static_cast<char>(c));
        } else if (c < 0x20 || c >= 0x7f) {
            char buf[5];
            std::snprintf(buf, sizeof buf, "\\%03u", static_cast<unsigned>(c));
            out += buf;
        } else {
            out.push_back(static_cast<char>(c));
        }
    }
    return out + "\"";
}

std::string pad(std::string text, std::size_t width) {
    if (text.size() < width)
        text.append(width - text.size(), ' ');
    return text;
}

class Zone {
  public:
    explicit Zone(std::string domain) : domain_(std::move(domain)) {}

    void record(std::string_view label, std::string_view type, const std::string& data) {
        std::string owner =
            label.empty() ? domain_ + "." : std::string(label) + "." + domain_ + ".";
        out_ << pad(std::move(owner), 40) << " IN " << pad(std::string(type), 5) << " " << data
             << "\n";
    }
    void srv(std::string_view label, long priority, int port, const std::string& target) {
        record(label, "SRV",
               std::to_string(priority) + " 1 " + std::to_string(port) + " " + target + ".");
    }
    // RFC 2782: target "." says the service is decidedly not available.
    void srv_none(std::string_view label) { record(label, "SRV", "0 0 0 ."); }
    void comment(std::string_view text) { out_ << "; " << text << "\n"; }
    void line(std::string_view text) { out_ << text << "\n"; }
    std::string text() const { return out_.str(); }
    const std::string& domain() const { return domain_; }

  private:
    std::string domain_;
    std::ostringstream out_;
};

// A name from the database as a DNS target: %EMAILDOMAIN% is the zone's domain;
// per-user placeholders cannot be expressed in DNS.
std::optional<std::string> target_name(std::string_view name, const std::string& domain) {
    if (name.find(placeholder::local_part) != std::string_view::npos ||
        name.find(placeholder::address) != std::string_view::npos) {
        return std::nullopt;
    }
    return normalise_domain(expand_placeholders(name, Address{"postmaster", domain}));
}

struct MailService {
    std::string_view label;
    ServerType type;
    bool implicit_tls;
};

// RFC 6186 §3 and RFC 8314 §5.1, in the order they are printed.
constexpr MailService kMailServices[] = {
    {"_imap._tcp", ServerType::imap, false},       {"_imaps._tcp", ServerType::imap, true},
    {"_pop3._tcp", ServerType::pop, false},        {"_pop3s._tcp", ServerType::pop, true},
    {"_submission._tcp", ServerType::smtp, false}, {"_submissions._tcp", ServerType::smtp, true},
};

void mail_records(Zone& zone, const DomainRecord& record) {
    struct Usable {
        const MailServerRow* row;
        ServerType type;
        std::string target;
    };
    std::vector<Usable> usable;
    for (const MailServerRow& row : record.servers) {
        auto type = parse_server_type(row.type);
        if (!type) {
            zone.comment("server id " + std::to_string(row.id) + ": unknown type \"" +
                         comment_text(row.type) + "\", skipped");
            continue;
        }
        auto target = target_name(row.name, zone.domain());
        if (!target) {
            zone.comment("server id " + std::to_string(row.id) + ": \"" + comment_text(row.name) +
                         "\" is not a host name DNS can point to, skipped");
            continue;
        }
        if (row.port < 1 || row.port > 65535) {
            zone.comment("server id " + std::to_string(row.id) + ": port " +
                         std::to_string(row.port) + " out of range, skipped");
            continue;
        }
        usable.push_back({&row, *type, std::move(*target)});
    }
    for (const MailService& service : kMailServices) {
        bool any = false;
        for (const Usable& u : usable) {
            // SSL is implicit TLS; STARTTLS, plain and anything else speak the
            // protocol first (RFC 6186 leaves those to the plain service names).
            const bool implicit = parse_socket_type(u.row->socket_type) == SocketType::ssl;
            if (u.type != service.type || implicit != service.implicit_tls)
                continue;
            zone.srv(service.label, std::clamp<long>(u.row->prio, 0, 65535), u.row->port, u.target);
            any = true;
        }
        if (!any)
            zone.srv_none(service.label);
    }
}

struct DavUrl {
    bool https = false;
    std::string host;
    int port = 0;  // none in the url
    std::string path;
};

// An http(s) url with a host name DNS can hold (no IP literal) and a usable port.
std::optional<DavUrl> parse_dav_url(std::string_view text) {
    auto url = url::split(text);
    if (!url || (url->scheme != "https" && url->scheme != "http") || url->ip_literal ||
        (url->port_text && !url->port)) {
        return std::nullopt;
    }
    return DavUrl{url->scheme == "https", url->host, url->port.value_or(0),
                  url->path.starts_with('/') ? url->path : "/"};
}

// RFC 6764 §4: the context path where discovery starts. A per-user part (a
// placeholder) cannot be in DNS, so the path ends before the first segment holding one.
std::string context_path(std::string path, bool& truncated) {
    const auto first =
        std::min(path.find(placeholder::address), path.find(placeholder::local_part));
    truncated = first != std::string::npos;
    if (truncated) {
        path.erase(path.rfind('/', first) + 1);  // path starts with '/'
    }
    return path;
}

void dav_records(Zone& zone, const DomainRecord& record) {
    struct Service {
        DavType type;
        bool tls;
        std::string_view label;
        bool always;  // print a "." record when the domain has none
    };
    constexpr Service services[] = {
        {DavType::caldav, true, "_caldavs._tcp", true},
        {DavType::caldav, false, "_caldav._tcp", false},
        {DavType::carddav, true, "_carddavs._tcp", true},
        {DavType::carddav, false, "_carddav._tcp", false},
    };
    struct Usable {
        DavType type;
        bool tls;
        std::string host;
        int port;
        std::string path;
        bool truncated;
        long id;
    };
    std::vector<Usable> usable;
    for (const DavServerRow& row : record.dav_servers) {
        const std::string id = "DAV server id " + std::to_string(row.id);
        auto type = parse_dav_type(row.type);
        if (!type) {
            zone.comment(id + ": unknown type \"" + comment_text(row.type) + "\", skipped");
            continue;
        }
        auto url = parse_dav_url(row.url);
        auto host = url ? target_name(url->host, zone.domain()) : std::nullopt;
        if (!url || !host) {
            zone.comment(id + ": no host name DNS can point to in \"" + comment_text(row.url) +
                         "\", skipped");
            continue;
        }
        const bool tls = url->https || row.use_ssl;
        int port = row.port >= 1 && row.port <= 65535 ? row.port : url->port;
        if (port == 0)
            port = url->https ? 443 : 80;
        bool truncated = false;
        std::string path = expand_placeholders(context_path(url->path, truncated),
                                               Address{"postmaster", zone.domain()});
        usable.push_back({*type, tls, std::move(*host), port, std::move(path), truncated, row.id});
    }
    for (const Service& service : services) {
        long priority = 0;
        const Usable* first = nullptr;
        for (const Usable& u : usable) {
            if (u.type != service.type || u.tls != service.tls)
                continue;
            zone.srv(service.label, priority++, u.port, u.host);
            if (first == nullptr)
                first = &u;
        }
        if (first == nullptr) {
            if (service.always)
                zone.srv_none(service.label);
            continue;
        }
        if (first->truncated) {
            zone.comment("DAV server id " + std::to_string(first->id) +
                         ": the url's per-user part is left to the client's discovery");
        }
        zone.record(service.label, "TXT", zone_quote("path=" + first->path));
    }
}

void service_host_records(Zone& zone, const std::string& service_host) {
    if (service_host.empty()) {
        zone.comment(
            "service_host is not set in the configuration: no _autodiscover._tcp SRV, no "
            "autoconfig or autodiscover CNAME");
        return;
    }
    zone.srv("_autodiscover._tcp", 0, 443, service_host);
    for (std::string_view label : {"autoconfig", "autodiscover"}) {
        const std::string name = std::string(label) + "." + zone.domain();
        if (name == service_host) {
            zone.comment(name + " is service_host itself: give it A/AAAA records, no CNAME");
            continue;
        }
        zone.record(label, "CNAME", service_host + ".");
    }
}

}  // namespace

std::string dns_zone_snippet(const DomainRecord& record, const std::string& domain,
                             const std::string& service_host) {
    Zone zone(domain);
    zone.comment(domain + ": provider \"" + comment_text(record.provider.name) +
                 "\" (automx2-fcgi dns)");
    mail_records(zone, record);
    service_host_records(zone, service_host);
    dav_records(zone, record);
    return zone.text();
}

std::string dns_pacc_snippet(const std::string& domain, const std::optional<std::string>& body,
                             const std::vector<std::string>& left_out,
                             const std::string& service_host) {
    Zone zone(domain);
    const std::string name = "ua-auto-config." + domain;
    zone.comment("PACC: https://" + name + "/.well-known/user-agent-configuration.json");
    for (const auto& line : left_out) {
        zone.comment("PACC leaves out " + comment_text(line));
    }
    if (!body) {
        zone.comment(
            "PACC: nothing in this domain's settings fits PACC (the service answers "
            "404): no _ua-auto-config TXT record");
        return zone.text();
    }
    zone.comment(
        "PACC: publish a new TXT record whenever this domain's data changes; keep the "
        "old one beside it for one TTL");
    // pacc_txt_record's own line, so that it is the one record clients compare with.
    zone.line(pacc_txt_record(domain, *body));
    if (service_host.empty()) {
        zone.comment("service_host is not set in the configuration: no ua-auto-config CNAME");
    } else if (name == service_host) {
        zone.comment(name + " is service_host itself: give it A/AAAA records, no CNAME");
    } else {
        zone.record("ua-auto-config", "CNAME", service_host + ".");
    }
    zone.comment("the web server's TLS certificate must name " + name);
    return zone.text();
}

}  // namespace automx2
