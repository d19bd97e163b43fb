// The operator commands: `dns` record by record, `lookup` requests.
#include <catch2/catch.hpp>
#include <sstream>
#include <tuple>

#include "backends/sql_store.h"
#include "core/dispatcher.h"
#include "core/seed.h"
#include "fcgi/commands.h"

using namespace automx2;

namespace {

using Rr = std::tuple<std::string, std::string, std::string>;  // owner, type, data

// The records of a snippet, comments dropped, white space collapsed.
std::vector<Rr> records(const std::string& text) {
    std::vector<Rr> out;
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        if (line.empty() || line[0] == ';')
            continue;
        std::istringstream words(line);
        std::string owner, klass, type, word, data;
        words >> owner >> klass >> type;
        REQUIRE(klass == "IN");
        while (words >> word)
            data += (data.empty() ? "" : " ") + word;
        out.emplace_back(owner, type, data);
    }
    return out;
}

std::vector<std::string> comments(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        if (!line.empty() && line[0] == ';')
            out.push_back(line);
    }
    return out;
}

DomainRecord record_of(std::initializer_list<MailServerRow> servers,
                       std::initializer_list<DavServerRow> dav = {}) {
    DomainRecord r;
    r.domain = "example.com";
    r.provider = {1, "Example\nInc.", "Example"};
    r.servers = servers;
    r.dav_servers = dav;
    return r;
}

struct SampleStore {
    std::unique_ptr<Store> store = open_sql_store(parse_db_uri("sqlite:///:memory:"), {});
    SampleStore() { store->initialise(sample_seed()); }
};

}  // namespace

TEST_CASE("dns: the sample domain, record by record", "[commands][dns]") {
    SampleStore s;
    std::ostringstream out, err;
    CHECK(print_dns(*s.store, {"Example.COM"}, "mx.example.net", out, err) == 0);
    CHECK(err.str().empty());
    const std::string d = ".example.com.";
    CHECK(records(out.str()) ==
          std::vector<Rr>{
              {"_imap._tcp" + d, "SRV", "20 1 143 imap.example.com."},
              {"_imaps._tcp" + d, "SRV", "10 1 993 imap.example.com."},
              {"_pop3._tcp" + d, "SRV", "0 0 0 ."},
              {"_pop3s._tcp" + d, "SRV", "10 1 995 pop.example.com."},
              {"_submission._tcp" + d, "SRV", "20 1 587 smtp.example.com."},
              {"_submissions._tcp" + d, "SRV", "10 1 465 smtp.example.com."},
              {"_autodiscover._tcp" + d, "SRV", "0 1 443 mx.example.net."},
              {"autoconfig" + d, "CNAME", "mx.example.net."},
              {"autodiscover" + d, "CNAME", "mx.example.net."},
              // The CalDAV url holds %EMAILADDRESS%: the path stops before it.
              {"_caldavs._tcp" + d, "SRV", "0 1 443 dav.example.com."},
              {"_caldavs._tcp" + d, "TXT", "\"path=/caldav/\""},
              {"_carddavs._tcp" + d, "SRV", "0 1 443 dav.example.com."},
              {"_carddavs._tcp" + d, "TXT", "\"path=/carddav/\""},
          });
}

TEST_CASE("dns: every domain of the database, problems on stderr", "[commands][dns]") {
    SampleStore s;
    CHECK(s.store->domain_names() ==
          std::vector<std::string>{"example.com", "example.net", "example.org", "other.example",
                                   "serverless.example", "broken.example"});
    std::ostringstream out, err;
    CHECK(print_dns(*s.store, {}, "", out, err) == 0);
    for (const char* domain : {"example.com.", "example.net.", "other.example.",
                               "serverless.example.", "broken.example."}) {
        CHECK(out.str().find("_imaps._tcp." + std::string(domain)) != std::string::npos);
    }
    // Without service_host the autodiscover records are left out, and it is said.
    for (const Rr& rr : records(out.str())) {
        CHECK(std::get<1>(rr) != "CNAME");
        CHECK(std::get<0>(rr).find("_autodiscover") == std::string::npos);
    }
    CHECK(out.str().find("; service_host is not set") != std::string::npos);

    std::ostringstream out2, err2;
    CHECK(print_dns(*s.store, {"unknown.example", "bad domain!", "other.example"}, "", out2,
                    err2) == 1);
    CHECK(err2.str().find("unknown.example is not in the database") != std::string::npos);
    CHECK(err2.str().find("is not a domain name") != std::string::npos);
    CHECK(records(out2.str()) ==
          std::vector<Rr>{
              {"_imap._tcp.other.example.", "SRV", "0 0 0 ."},
              {"_imaps._tcp.other.example.", "SRV", "0 0 0 ."},
              {"_pop3._tcp.other.example.", "SRV", "10 1 110 pop.other.example."},
              {"_pop3s._tcp.other.example.", "SRV", "20 1 995 pop.other.example."},
              {"_submission._tcp.other.example.", "SRV", "10 1 587 mail.other.example."},
              {"_submissions._tcp.other.example.", "SRV", "0 0 0 ."},
              {"_caldavs._tcp.other.example.", "SRV", "0 0 0 ."},
              {"_carddavs._tcp.other.example.", "SRV", "0 0 0 ."},
          });
}

TEST_CASE("dns: invalid rows are skipped with a comment, never written raw", "[commands][dns]") {
    DomainRecord r = record_of(
        {
            {1, 10, "imap.%EMAILDOMAIN%", 993, "imap", "ssl", "%EMAILADDRESS%", "plain"},
            {2, 10, "%EMAILLOCALPART%.mail.example.com", 993, "imap", "SSL", "", "plain"},
            {3, 10, "smtp.example.com\nevil IN A 1.2.3.4", 465, "smtp", "SSL", "", "plain"},
            {4, 10, "ex.example.com", 443, "exchange", "SSL", "", "plain"},
            {5, 70000, "smtp.example.com", 25, "smtp", "plain", "", "none"},
            {6, 10, "smtp.example.com", 0, "smtp", "SSL", "", "plain"},
        },
        {
            {7, "http://dav.%EMAILDOMAIN%:8008/cal\"dav/", 0, "caldav", false, true, {}},
            {8, "https://%EMAILLOCALPART%.example.com/", 0, "carddav", true, true, {}},
            {9, "https://[2001:db8::1]/card/", 0, "carddav", true, true, {}},
        });
    const std::string text = dns_zone_snippet(r, "example.com", "example.com");
    CHECK(records(text) ==
          std::vector<Rr>{
              {"_imap._tcp.example.com.", "SRV", "0 0 0 ."},
              {"_imaps._tcp.example.com.", "SRV", "10 1 993 imap.example.com."},
              {"_pop3._tcp.example.com.", "SRV", "0 0 0 ."},
              {"_pop3s._tcp.example.com.", "SRV", "0 0 0 ."},
              {"_submission._tcp.example.com.", "SRV", "65535 1 25 smtp.example.com."},
              {"_submissions._tcp.example.com.", "SRV", "0 0 0 ."},
              {"_autodiscover._tcp.example.com.", "SRV", "0 1 443 example.com."},
              {"autoconfig.example.com.", "CNAME", "example.com."},
              {"autodiscover.example.com.", "CNAME", "example.com."},
              {"_caldavs._tcp.example.com.", "SRV", "0 0 0 ."},
              {"_caldav._tcp.example.com.", "SRV", "0 1 8008 dav.example.com."},
              {"_caldav._tcp.example.com.", "TXT", "\"path=/cal\\\"dav/\""},
              {"_carddavs._tcp.example.com.", "SRV", "0 0 0 ."},
          });
    // The header, servers 2, 3, 4 and 6, DAV servers 8 and 9; every other line is one of
    // the records above (the newline in server 3's name cannot start a record).
    const auto notes = comments(text);
    CHECK(notes.size() == 7);
    CHECK(static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) ==
          notes.size() + records(text).size());
    CHECK(text.find("Example?Inc.") != std::string::npos);  // the header comment stays one line
}

TEST_CASE("dns: service_host that is the autoconfig name itself gets no CNAME", "[commands][dns]") {
    DomainRecord r = record_of({{1, 10, "imap.example.com", 143, "imap", "STARTTLS", "", "plain"}});
    auto rrs = records(dns_zone_snippet(r, "example.com", "autoconfig.example.com"));
    CHECK(std::count_if(rrs.begin(), rrs.end(),
                        [](const Rr& rr) { return std::get<1>(rr) == "CNAME"; }) == 1);
    CHECK(std::find(rrs.begin(), rrs.end(),
                    Rr{"autodiscover.example.com.", "CNAME", "autoconfig.example.com."}) !=
          rrs.end());
}

TEST_CASE("lookup: the requests a client would send", "[commands][lookup]") {
    CHECK(parse_lookup_protocol("AutoConfig") == LookupProtocol::autoconfig);
    CHECK(parse_lookup_protocol("mobileconfig") == LookupProtocol::mobileconfig);
    CHECK_FALSE(parse_lookup_protocol("activesync"));

    Request ac = lookup_request("a+b&c@example.com", LookupProtocol::autoconfig);
    CHECK(ac.method == "GET");
    CHECK(ac.path == "/mail/config-v1.1.xml");
    CHECK(ac.param("emailaddress") == "a+b&c@example.com");

    Request ad = lookup_request("a<b>&\"'@example.com", LookupProtocol::autodiscover);
    CHECK(ad.method == "POST");
    CHECK(ad.body.find("<EMailAddress>a&lt;b&gt;&amp;&quot;&apos;@example.com</EMailAddress>") !=
          std::string::npos);

    // Through the dispatcher, as the command runs them.
    SampleStore s;
    Config config;
    Resolver resolver(*s.store, nullptr);
    Dispatcher dispatcher(Services{config, *s.store, resolver});
    for (auto protocol :
         {LookupProtocol::autoconfig, LookupProtocol::autodiscover, LookupProtocol::mobileconfig}) {
        CHECK(dispatcher.handle(lookup_request("alice@example.com", protocol)).status == 200);
        CHECK(dispatcher.handle(lookup_request("alice@unknown.example", protocol)).status == 204);
        CHECK(dispatcher.handle(lookup_request("no address", protocol)).status == 400);
    }
}
