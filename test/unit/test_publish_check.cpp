// The check command's comparisons (core/publish_check.h): records, documents, PACC
// digests, and the table and JSON they are shown in.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "core/publish_check.h"

using namespace automx2;

namespace {

DnsAnswer records(std::vector<std::string> data) {
    DnsAnswer a;
    a.outcome = data.empty() ? DnsAnswer::Outcome::no_records : DnsAnswer::Outcome::records;
    a.data = std::move(data);
    return a;
}

DnsAnswer failure(std::string why) {
    DnsAnswer a;
    a.error = std::move(why);
    return a;
}

FetchResult fetched(long status, std::string body) {
    FetchResult f;
    f.ok = true;
    f.status = status;
    f.body = std::move(body);
    return f;
}

}  // namespace

TEST_CASE("zone records: record sets of the dns output, normalised", "[check]") {
    const auto sets = parse_zone_records(
        "; example.com: provider \"Example\" (automx2-fcgi dns)\n"
        "_imaps._tcp.example.com.   IN SRV   10 1 993 IMAP.example.com.\n"
        "_imaps._tcp.example.com.   IN SRV   20  1 993 imap2.example.com.\n"
        "autoconfig.example.com.    IN CNAME Host.Example.NET.\n"
        "_caldavs._tcp.example.com. IN TXT   \"path=/cal dav/\"\n"
        "_x.example.com.            IN TXT   \"a\\\"b\\\\\" \"c\\100\"\n"
        "example.com.               IN MX    10 mx.example.com.\n"
        "_ua-auto-config.example.com. TXT \"v=UAAC1; a=sha256; d=AB+/=\"\n"
        "ua-auto-config.example.com. 300 IN CNAME host.example.net.\n"
        "; a comment IN SRV 1 2 3 x.\n");
    REQUIRE(sets.size() == 6);
    CHECK(sets[0].owner == "_imaps._tcp.example.com.");
    CHECK(sets[0].type == "SRV");
    CHECK(sets[0].data ==
          std::vector<std::string>{"10 1 993 imap.example.com.", "20 1 993 imap2.example.com."});
    CHECK(sets[1].type == "CNAME");
    CHECK(sets[1].data == std::vector<std::string>{"host.example.net."});
    CHECK(sets[2].data == std::vector<std::string>{"path=/cal dav/"});
    CHECK(sets[3].data == std::vector<std::string>{"a\"b\\cd"});
    // Without the class, and with a TTL: as zone files allow.
    CHECK(sets[4].owner == "_ua-auto-config.example.com.");
    CHECK(sets[4].data == std::vector<std::string>{"v=UAAC1; a=sha256; d=AB+/="});
    CHECK(sets[5].type == "CNAME");
    CHECK(sets[5].data == std::vector<std::string>{"host.example.net."});
    CHECK(relative_owner(sets[0].owner, "example.com") == "_imaps._tcp");
    CHECK(relative_owner("example.com.", "example.com") == "@");
}

TEST_CASE("records: PASS, MISSING, DIFFERS, ERROR", "[check]") {
    const ExpectedRecords srv{"_imaps._tcp.example.com.", "SRV", {"10 1 993 imap.example.com."}};
    auto pass = compare_records("example.com", srv, records({"10 1 993 IMAP.example.com."}));
    CHECK(pass.status == CheckStatus::pass);
    CHECK(pass.item == "_imaps._tcp SRV");
    CHECK(pass.detail.empty());

    auto missing = compare_records("example.com", srv, records({}));
    CHECK(missing.status == CheckStatus::missing);

    auto wrong = compare_records("example.com", srv, records({"10 1 993 other.example.com."}));
    CHECK(wrong.status == CheckStatus::differs);
    CHECK(wrong.found == "10 1 993 other.example.com.");
    CHECK(wrong.expected == "10 1 993 imap.example.com.");

    // One more record than expected is a difference too.
    auto extra = compare_records(
        "example.com", srv, records({"10 1 993 imap.example.com.", "20 1 993 old.example.com."}));
    CHECK(extra.status == CheckStatus::differs);

    auto error = compare_records("example.com", srv, failure("timed out"));
    CHECK(error.status == CheckStatus::error);
    CHECK(error.detail.find("timed out") != std::string::npos);

    // TXT data is compared byte for byte (no case folding).
    const ExpectedRecords txt{"_caldavs._tcp.example.com.", "TXT", {"path=/CalDAV/"}};
    CHECK(compare_records("example.com", txt, records({"path=/caldav/"})).status ==
          CheckStatus::differs);
}

TEST_CASE("records: the PACC TXT record may be published beside an older one", "[check]") {
    const ExpectedRecords pacc{"_ua-auto-config.example.com.", "TXT", {"v=UAAC1; a=sha256; d=NEW"}};
    CHECK(compare_records("example.com", pacc,
                          records({"v=UAAC1; a=sha256; d=OLD", "v=UAAC1; a=sha256; d=NEW"}))
              .status == CheckStatus::pass);
    CHECK(compare_records("example.com", pacc, records({"v=UAAC1; a=sha256; d=OLD"})).status ==
          CheckStatus::differs);
}

TEST_CASE("documents: status and body against this service's answer", "[check]") {
    Response own = Response::xml("<clientConfig>\n<a/>\n</clientConfig>\n");
    const std::string url = "https://autoconfig.example.com/mail/config-v1.1.xml";
    CHECK(compare_document("example.com", "autoconfig document", url, own, fetched(200, own.body))
              .status == CheckStatus::pass);

    auto differs = compare_document("example.com", "autoconfig document", url, own,
                                    fetched(200, "<clientConfig>\n<b/>\n</clientConfig>\n"));
    CHECK(differs.status == CheckStatus::differs);
    CHECK(differs.detail.find("line 2") != std::string::npos);
    CHECK(differs.detail.find("<b/>") != std::string::npos);

    CHECK(compare_document("example.com", "autoconfig document", url, own, fetched(404, "no"))
              .status == CheckStatus::missing);
    CHECK(compare_document("example.com", "autoconfig document", url, own, fetched(502, "bad"))
              .status == CheckStatus::differs);

    FetchResult tls;
    tls.error = "SSL certificate problem: unable to get local issuer certificate";
    auto error = compare_document("example.com", "autoconfig document", url, own, tls);
    CHECK(error.status == CheckStatus::error);
    CHECK(error.detail.find("certificate") != std::string::npos);

    // No document here (PACC's 404): the same status passes, a document differs.
    const Response none = Response::text(404, "Not Found\n");
    CHECK(compare_document("example.com", "PACC document", url, none, fetched(404, "x")).status ==
          CheckStatus::pass);
    CHECK(compare_document("example.com", "PACC document", url, none, fetched(200, "{}")).status ==
          CheckStatus::differs);
}

TEST_CASE("documents: Autodiscover error stamps are not a difference", "[check]") {
    const std::string a = "<Error Time=\"10:11:12.123456\" Id=\"42\"><ErrorCode>600</ErrorCode>";
    const std::string b = "<Error Time=\"10:11:13.654321\" Id=\"7\"><ErrorCode>600</ErrorCode>";
    const std::string c = "<Error Time=\"10:11:13.654321\" Id=\"7\"><ErrorCode>601</ErrorCode>";
    const Response own = Response::xml(a);
    CHECK(
        compare_document("d.example", "autodiscover document", "u", own, fetched(200, b)).status ==
        CheckStatus::pass);
    CHECK(
        compare_document("d.example", "autodiscover document", "u", own, fetched(200, c)).status ==
        CheckStatus::differs);
}

TEST_CASE("PACC digest: sha256 in base64 among the published d= values", "[check]") {
    // RFC 6234's test vector "abc", in base64.
    CHECK(pacc_body_digest("abc") == "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=");
    CHECK(pacc_published_digests({"v=UAAC1; a=sha256; d=AAA=", "v=spf1 -all",
                                  "V=uaac1;A=SHA256;d= BBB= ", "v=UAAC2; a=sha256; d=CCC",
                                  "v=UAAC1; a=sha512; d=DDD", "v=UAAC1; d=EEE"}) ==
          std::vector<std::string>{"AAA=", "BBB="});

    const std::string body = "{\"protocols\":{}}";
    const std::string good = "v=UAAC1; a=sha256; d=" + pacc_body_digest(body);
    CHECK(compare_pacc_digest("e.example", "d", records({good}), &body, "").status ==
          CheckStatus::pass);
    CHECK(compare_pacc_digest("e.example", "d", records({"v=UAAC1; a=sha256; d=AAAA"}), &body, "")
              .status == CheckStatus::differs);
    CHECK(compare_pacc_digest("e.example", "d", records({"v=spf1 -all"}), &body, "").status ==
          CheckStatus::missing);
    CHECK(compare_pacc_digest("e.example", "d", failure("SERVFAIL"), &body, "").status ==
          CheckStatus::error);
    auto no_body = compare_pacc_digest("e.example", "d", records({good}), nullptr, "answered 404");
    CHECK(no_body.status == CheckStatus::error);
    CHECK(no_body.detail == "answered 404");
}

TEST_CASE("output: table and JSON", "[check]") {
    CheckItem pass{"example.com", "_imaps._tcp SRV", CheckStatus::pass, "10 1 993 a.", "", ""};
    CheckItem bad{"example.com",        "autoconfig CNAME",
                  CheckStatus::differs, "host.example.",
                  "other.example.",     "the published records are not the expected ones"};
    const std::string table = render_check_table({pass, bad});
    CHECK(table.find("DOMAIN") == 0);
    CHECK(table.find("_imaps._tcp SRV   PASS") != std::string::npos);
    CHECK(table.find("autoconfig CNAME  DIFFERS  the published records") != std::string::npos);
    CHECK(table.find("    expected host.example.\n    found    other.example.\n") !=
          std::string::npos);
    CHECK(table.find("2 items: 1 PASS, 0 MISSING, 1 DIFFERS, 0 ERROR\n") != std::string::npos);

    const auto json = nlohmann::json::parse(render_check_json({pass, bad}));
    CHECK(json["ok"] == false);
    CHECK(json["summary"]["pass"] == 1);
    CHECK(json["summary"]["differs"] == 1);
    CHECK(json["items"][1]["status"] == "DIFFERS");
    CHECK(json["items"][1]["found"] == "other.example.");
    CHECK(nlohmann::json::parse(render_check_json({pass}))["ok"] == true);

    // Bytes from the network that are not UTF-8 do not break the JSON.
    bad.found = std::string("\xff\xfe", 2);
    CHECK_NOTHROW(nlohmann::json::parse(render_check_json({bad})));

    CHECK(all_passed({pass}));
    CHECK_FALSE(all_passed({pass, bad}));
    CHECK_FALSE(all_passed({}));
}
