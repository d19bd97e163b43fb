// The DNS zone builder: records, and what it refuses to write.
#include <algorithm>
#include <catch2/catch.hpp>

#include "core/builders/dns_zone.h"
#include "core/sha256.h"
#include "zone_support.h"

using namespace automx2;
using automx2::test::comments;
using automx2::test::records;
using automx2::test::Rr;

namespace {

DomainRecord record_of(std::initializer_list<MailServerRow> servers,
                       std::initializer_list<DavServerRow> dav = {}) {
    DomainRecord r;
    r.domain = "example.com";
    r.provider = {1, "Example\nInc.", "Example"};
    r.servers = servers;
    r.dav_servers = dav;
    return r;
}

}  // namespace

TEST_CASE("dns zone: invalid rows are skipped with a comment, never written raw",
          "[builders][dns]") {
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

TEST_CASE("dns zone: service_host that is the autoconfig name itself gets no CNAME",
          "[builders][dns]") {
    DomainRecord r = record_of({{1, 10, "imap.example.com", 143, "imap", "STARTTLS", "", "plain"}});
    auto rrs = records(dns_zone_snippet(r, "example.com", "autoconfig.example.com"));
    CHECK(std::count_if(rrs.begin(), rrs.end(),
                        [](const Rr& rr) { return std::get<1>(rr) == "CNAME"; }) == 1);
    CHECK(std::find(rrs.begin(), rrs.end(),
                    Rr{"autodiscover.example.com.", "CNAME", "autoconfig.example.com."}) !=
          rrs.end());
}

TEST_CASE("dns zone: DAV urls through the one URL splitter", "[builders][dns]") {
    DomainRecord r = record_of(
        {},
        {
            {1, "HTTPS://someone@dav.example.com:8443/dav/?x=1#top", 0, "caldav", false, true, {}},
            {2, "https://dav.example.com:99999/card/", 0, "carddav", true, true, {}},
            {3, "https://dav.example.com:/card/", 0, "carddav", true, true, {}},
            {4, "ftp://dav.example.com/card/", 0, "carddav", true, true, {}},
            {5, "http://dav.example.com?q", 0, "carddav", true, true, {}},
        });
    const std::string text = dns_zone_snippet(r, "example.com", "");
    CHECK(records(text) == std::vector<Rr>{
                               {"_imap._tcp.example.com.", "SRV", "0 0 0 ."},
                               {"_imaps._tcp.example.com.", "SRV", "0 0 0 ."},
                               {"_pop3._tcp.example.com.", "SRV", "0 0 0 ."},
                               {"_pop3s._tcp.example.com.", "SRV", "0 0 0 ."},
                               {"_submission._tcp.example.com.", "SRV", "0 0 0 ."},
                               {"_submissions._tcp.example.com.", "SRV", "0 0 0 ."},
                               {"_caldavs._tcp.example.com.", "SRV", "0 1 8443 dav.example.com."},
                               {"_caldavs._tcp.example.com.", "TXT", "\"path=/dav/\""},
                               // use_ssl: the http url still goes to the TLS service, port 80.
                               {"_carddavs._tcp.example.com.", "SRV", "0 1 80 dav.example.com."},
                               {"_carddavs._tcp.example.com.", "TXT", "\"path=/\""},
                           });
    // The header, no service_host, DAV servers 2 (port out of range), 3 (empty port), 4 (ftp).
    CHECK(comments(text).size() == 5);
    CHECK(text.find("DAV server id 2: no host name DNS can point to") != std::string::npos);
}

TEST_CASE("dns zone: the PACC records", "[builders][dns][pacc]") {
    const std::string body = R"({"protocols":{}})";
    const std::string zone =
        dns_pacc_snippet("example.com", body, {"IMAP server id 1 (x\ny)"}, "mx.example.net");
    CHECK(records(zone) ==
          std::vector<Rr>{{"_ua-auto-config.example.com.", "TXT",
                           "\"v=UAAC1; a=sha256; "
                           "d=" +
                               sha256_base64(body) + "\""},
                          {"ua-auto-config.example.com.", "CNAME", "mx.example.net."}});
    // Data in comments stays on one line.
    CHECK(zone.find("; PACC leaves out IMAP server id 1 (x") != std::string::npos);
    CHECK(zone.find("\ny)") == std::string::npos);

    const std::string nothing =
        dns_pacc_snippet("example.com", std::nullopt, {}, "ua-auto-config.example.com");
    CHECK(records(nothing).empty());
    CHECK(nothing.find("404") != std::string::npos);

    const std::string self =
        dns_pacc_snippet("example.com", body, {}, "ua-auto-config.example.com");
    CHECK(records(self).size() == 1);
    CHECK(self.find("is service_host itself") != std::string::npos);
}
