// The operator commands: `dns` record by record, `lookup` requests.
#include <catch2/catch.hpp>
#include <sstream>

#include "app/commands/dns.h"
#include "app/commands/lookup.h"
#include "backends/sql_store.h"
#include "core/builders/pacc.h"
#include "core/dispatcher.h"
#include "core/seed.h"
#include "core/sha256.h"
#include "zone_support.h"

using namespace automx2;

using automx2::test::records;
using automx2::test::Rr;

namespace {

// The sample data's PACC document for example.com, written out from SPEC §16 by hand:
// only the implicit-TLS servers on 993, 995 and 465 fit (the DAV urls have per-user
// parts or login names).
const std::string kExamplePacc =
    R"({"protocols":{"imap":{"host":"imap.example.com"},"pop3":{"host":"pop.example.com"},)"
    R"("submit":{"host":"smtp.example.com"}},"authentication":{"password":true},)"
    R"("info":{"provider":{"name":"Example Inc.","shortName":"Example"}}})";

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
              // PACC (SPEC §16): the digest of the document below, and the name to serve it.
              {"_ua-auto-config" + d, "TXT",
               "\"v=UAAC1; a=sha256; d=" + sha256_base64(kExamplePacc) + "\""},
              {"ua-auto-config" + d, "CNAME", "mx.example.net."},
          });
    // What PACC cannot express is said in comments.
    CHECK(out.str().find("; PACC leaves out IMAP server id ") != std::string::npos);
    CHECK(out.str().find("; the web server's TLS certificate must name "
                         "ua-auto-config.example.com") != std::string::npos);
}

TEST_CASE("dns: the TXT digest is of exactly the bytes the service answers with",
          "[commands][dns][pacc]") {
    SampleStore s;
    Config config;
    Resolver resolver(*s.store, nullptr);
    Dispatcher dispatcher(Services{config, *s.store, resolver});
    Request request = lookup_request("example.com", LookupProtocol::pacc);
    const Response served = dispatcher.handle(request);
    REQUIRE(served.status == 200);
    CHECK(served.body == kExamplePacc);
    std::ostringstream out, err;
    CHECK(print_dns(*s.store, {"example.com"}, "", out, err) == 0);
    CHECK(out.str().find(pacc_txt_record("example.com", served.body) + "\n") != std::string::npos);
    CHECK(out.str().find("; service_host is not set in the configuration: no ua-auto-config "
                         "CNAME") != std::string::npos);
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

TEST_CASE("lookup: the requests a client would send", "[commands][lookup]") {
    CHECK(parse_lookup_protocol("AutoConfig") == LookupProtocol::autoconfig);
    CHECK(parse_lookup_protocol("mobileconfig") == LookupProtocol::mobileconfig);
    CHECK(parse_lookup_protocol("PACC") == LookupProtocol::pacc);
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
    // PACC is per domain: an address or a domain; nothing PACC can express is 404.
    Request pacc = lookup_request("alice@example.com", LookupProtocol::pacc);
    CHECK(pacc.host == "ua-auto-config.example.com");
    CHECK(dispatcher.handle(pacc).status == 200);
    CHECK(dispatcher.handle(lookup_request("example.com", LookupProtocol::pacc)).status == 200);
    CHECK(dispatcher.handle(lookup_request("other.example", LookupProtocol::pacc)).status == 404);
    CHECK(dispatcher.handle(lookup_request("unknown.example", LookupProtocol::pacc)).status == 204);
    CHECK(dispatcher.handle(lookup_request("broken.example", LookupProtocol::pacc)).status == 400);
}
