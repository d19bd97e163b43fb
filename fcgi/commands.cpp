#include "fcgi/commands.h"

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>
#include <ostream>
#include <sstream>
#include <stdexcept>

#include "backends/ldap_directory.h"
#include "backends/sql_store.h"
#include "core/address.h"
#include "core/builders/signing.h"
#include "core/dispatcher.h"
#include "core/errors.h"
#include "core/http.h"
#include "core/log.h"
#include "core/placeholders.h"
#include "core/resolver.h"
#include "core/settings.h"

namespace automx2 {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitPartial = 1;  // dns: a named domain unknown; lookup: 204
constexpr int kExitError = 2;

bool iequals(std::string_view a, std::string_view b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](unsigned char x, unsigned char y) {
        return (x >= 'A' && x <= 'Z' ? x + 32 : x) == (y >= 'A' && y <= 'Z' ? y + 32 : y);
    });
}

// Database text in a zone-file comment: one line, printable.
std::string comment_text(std::string_view text) {
    std::string out;
    for (unsigned char c : text.substr(0, 200)) {
        out.push_back(c < 0x20 || c == 0x7f ? '?' : static_cast<char>(c));
    }
    return out;
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
    std::string text() const { return out_.str(); }
    const std::string& domain() const { return domain_; }

  private:
    std::string domain_;
    std::ostringstream out_;
};

// A name from the database as a DNS target: %EMAILDOMAIN% is the zone's domain;
// per-user placeholders cannot be expressed in DNS.
std::optional<std::string> target_name(std::string_view name, const std::string& domain) {
    if (name.find("%EMAILLOCALPART%") != std::string_view::npos ||
        name.find("%EMAILADDRESS%") != std::string_view::npos) {
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
            const bool implicit = iequals(u.row->socket_type, "SSL");
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
    int port = 0;
    std::string path;
};

std::optional<DavUrl> parse_dav_url(std::string_view url) {
    DavUrl out;
    const auto scheme_end = url.find("://");
    if (scheme_end == std::string_view::npos)
        return std::nullopt;
    const std::string_view scheme = url.substr(0, scheme_end);
    if (iequals(scheme, "https")) {
        out.https = true;
    } else if (!iequals(scheme, "http")) {
        return std::nullopt;
    }
    std::string_view rest = url.substr(scheme_end + 3);
    const auto authority_end = rest.find_first_of("/?#");
    std::string_view authority = rest.substr(0, authority_end);
    std::string_view path =
        authority_end == std::string_view::npos ? std::string_view{} : rest.substr(authority_end);
    path = path.substr(0, path.find_first_of("?#"));
    if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
        authority.remove_prefix(at + 1);
    }
    if (!authority.empty() && authority.front() == '[')
        return std::nullopt;  // IP literal
    if (const auto colon = authority.find(':'); colon != std::string_view::npos) {
        const std::string digits(authority.substr(colon + 1));
        authority = authority.substr(0, colon);
        if (digits.empty() || digits.size() > 5 ||
            !std::all_of(digits.begin(), digits.end(),
                         [](char c) { return c >= '0' && c <= '9'; })) {
            return std::nullopt;
        }
        out.port = std::stoi(digits);
    }
    out.host = std::string(authority);
    out.path = path.empty() || path.front() != '/' ? "/" : std::string(path);
    return out;
}

// RFC 6764 §4: the context path where discovery starts. A per-user part (a
// placeholder) cannot be in DNS, so the path ends before the first segment holding one.
std::string context_path(std::string path, bool& truncated) {
    const auto placeholder = std::min(path.find("%EMAILADDRESS%"), path.find("%EMAILLOCALPART%"));
    truncated = placeholder != std::string::npos;
    if (truncated) {
        path.erase(path.rfind('/', placeholder) + 1);  // path starts with '/'
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

// Parsed command line of a command.
struct CommandLine {
    std::string config_file;
    std::string command;
    std::vector<std::string> words;  // positional arguments after the command
    std::string protocol;
};

// Throws std::invalid_argument for the user.
CommandLine parse_command_line(int argc, char** argv, int command_index, std::string config_file) {
    CommandLine line;
    line.config_file = std::move(config_file);
    line.command = argv[command_index];
    for (int i = command_index + 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        auto value_of = [&](std::string_view name) -> std::optional<std::string> {
            if (arg == name) {
                if (i + 1 >= argc)
                    throw std::invalid_argument(std::string(name) + " needs a value");
                return std::string(argv[++i]);
            }
            if (arg.starts_with(name) && arg.size() > name.size() && arg[name.size()] == '=') {
                return std::string(arg.substr(name.size() + 1));
            }
            return std::nullopt;
        };
        if (auto v = value_of("--config")) {
            line.config_file = *v;
        } else if (auto p = value_of("--protocol")) {
            if (line.command != "lookup")
                throw std::invalid_argument("--protocol is for lookup");
            line.protocol = *p;
        } else if (arg.starts_with("--")) {
            throw std::invalid_argument("unknown option '" + std::string(arg) + "'");
        } else {
            line.words.emplace_back(arg);
        }
    }
    return line;
}

// The service's own wiring (fcgi/main.cpp), for one command.
struct Wiring {
    Config config;
    std::unique_ptr<Store> store;
    std::unique_ptr<Directory> directory;
    std::unique_ptr<Resolver> resolver;
    std::unique_ptr<ProfileSigner> signer;
};

int wire(const std::string& config_file, Wiring& wiring, bool with_signer) {
    try {
        wiring.config = load_config(config_file);
        log::set_level(wiring.config.log_level);
        if (with_signer)
            wiring.signer = make_signer(wiring.config);
    } catch (const ConfigError& e) {
        std::cerr << "automx2-fcgi: configuration error: " << e.what() << "\n";
        return kExitError;
    }
    try {
        SqlStoreOptions store_options;
        store_options.pool_size = 1;
        store_options.echo = wiring.config.db_echo;
        store_options.timeout = wiring.config.db_timeout;
        wiring.store = open_sql_store(wiring.config.db, store_options);
    } catch (const std::exception& e) {
        std::cerr << "automx2-fcgi: cannot open the database " << wiring.config.db.display << ": "
                  << e.what() << "\n";
        return kExitError;
    }
    LdapOptions ldap_options;
    ldap_options.network_timeout = wiring.config.ldap_network_timeout;
    ldap_options.operation_timeout = wiring.config.ldap_timeout;
    ldap_options.ca_file = wiring.config.ldap_ca_file;
    ldap_options.verify_tls = wiring.config.ldap_tls_verify;
    wiring.directory = make_ldap_directory(ldap_options);
    wiring.resolver = std::make_unique<Resolver>(*wiring.store, wiring.directory.get());
    return kExitOk;
}

int run_dns(const CommandLine& line) {
    Wiring wiring;
    if (int rc = wire(line.config_file, wiring, false); rc != kExitOk)
        return rc;
    if (wiring.config.service_host.empty()) {
        std::cerr << "automx2-fcgi: service_host is not set: no _autodiscover._tcp SRV and no "
                     "autoconfig/autodiscover CNAME records\n";
    }
    return print_dns(*wiring.store, line.words, wiring.config.service_host, std::cout, std::cerr);
}

int run_lookup(const CommandLine& line) {
    if (line.words.size() != 1) {
        throw std::invalid_argument("lookup needs exactly one ADDRESS");
    }
    auto protocol = parse_lookup_protocol(line.protocol);
    if (!protocol) {
        throw std::invalid_argument("lookup needs --protocol autoconfig|autodiscover|mobileconfig");
    }
    Wiring wiring;
    if (int rc = wire(line.config_file, wiring, *protocol == LookupProtocol::mobileconfig);
        rc != kExitOk) {
        return rc;
    }
    Dispatcher dispatcher(
        Services{wiring.config, *wiring.store, *wiring.resolver, wiring.signer.get()});
    const Response response = dispatcher.handle(lookup_request(line.words[0], *protocol));
    std::cerr << response.status << " " << status_reason(response.status) << "\n";
    if (!response.content_type.empty()) {
        std::cerr << "Content-Type: " << response.content_type << "\n";
    }
    for (const auto& [name, value] : response.headers) {
        std::cerr << name << ": " << value << "\n";
    }
    std::cout.write(response.body.data(), static_cast<std::streamsize>(response.body.size()));
    std::cout.flush();
    if (!std::cout)
        return kExitError;
    if (response.status == 200)
        return kExitOk;
    if (response.status == 204)
        return kExitPartial;
    return kExitError;
}

}  // namespace

std::string commands_usage() {
    return "Commands:\n"
           "  automx2-fcgi [--config FILE] dns [DOMAIN...]\n"
           "      print zone-file records (RFC 6186/8314/6764 SRV, TXT, CNAME) for the\n"
           "      given domains, or every domain of the database\n"
           "  automx2-fcgi [--config FILE] lookup ADDRESS --protocol "
           "autoconfig|autodiscover|mobileconfig\n"
           "      print the document a client would get (status and headers on stderr);\n"
           "      exit 0 on 200, 1 on 204, 2 otherwise\n";
}

std::optional<int> run_command(int argc, char** argv) {
    std::string config_file;
    int i = 1;
    // Only --config may precede the command word.
    while (i < argc) {
        const std::string_view arg = argv[i];
        if (arg == "--config" && i + 1 < argc) {
            config_file = argv[i + 1];
            i += 2;
        } else if (arg.starts_with("--config=")) {
            config_file = std::string(arg.substr(9));
            ++i;
        } else {
            break;
        }
    }
    if (i >= argc)
        return std::nullopt;
    const std::string_view command = argv[i];
    if (command != "dns" && command != "lookup")
        return std::nullopt;
    try {
        CommandLine line = parse_command_line(argc, argv, i, config_file);
        return line.command == "dns" ? run_dns(line) : run_lookup(line);
    } catch (const std::invalid_argument& e) {
        std::cerr << "automx2-fcgi: " << e.what() << "\n\n" << commands_usage();
        return kExitError;
    } catch (const std::exception& e) {
        std::cerr << "automx2-fcgi: " << e.what() << "\n";
        return kExitError;
    }
}

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

int print_dns(Store& store, const std::vector<std::string>& domains,
              const std::string& service_host, std::ostream& out, std::ostream& err) {
    int status = kExitOk;
    std::vector<std::string> names = domains;
    const bool all = names.empty();
    try {
        if (all)
            names = store.domain_names();
        bool first = true;
        for (const std::string& given : names) {
            auto domain = normalise_domain(given);
            if (!domain) {
                err << "automx2-fcgi: \"" << comment_text(given) << "\" is not a domain name\n";
                status = kExitPartial;
                continue;
            }
            auto record = store.find_domain(*domain);
            if (!record) {
                err << "automx2-fcgi: " << *domain << " is not in the database\n";
                status = kExitPartial;
                continue;
            }
            if (!first)
                out << "\n";
            first = false;
            out << dns_zone_snippet(*record, *domain, service_host);
        }
    } catch (const BackendUnavailable& e) {
        err << "automx2-fcgi: database unavailable: " << e.what() << "\n";
        return kExitError;
    }
    if (all && names.empty()) {
        err << "automx2-fcgi: the database holds no domains\n";
    }
    return status;
}

std::optional<LookupProtocol> parse_lookup_protocol(std::string_view name) {
    if (iequals(name, "autoconfig"))
        return LookupProtocol::autoconfig;
    if (iequals(name, "autodiscover"))
        return LookupProtocol::autodiscover;
    if (iequals(name, "mobileconfig"))
        return LookupProtocol::mobileconfig;
    return std::nullopt;
}

Request lookup_request(const std::string& address, LookupProtocol protocol) {
    Request request;
    request.remote_addr = "127.0.0.1";
    const auto at = address.rfind('@');
    request.host = "autoconfig." +
                   (at == std::string::npos ? std::string("localhost") : address.substr(at + 1));
    switch (protocol) {
        case LookupProtocol::autoconfig:
        case LookupProtocol::mobileconfig:
            request.method = "GET";
            request.path =
                protocol == LookupProtocol::autoconfig ? "/mail/config-v1.1.xml" : "/mobileconfig/";
            request.query_string = "emailaddress=" + percent_encode(address);
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
