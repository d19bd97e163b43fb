// The comparisons of the `check` command: what the world sees (DNS answers, documents
// fetched over HTTPS) against what this service would publish (the `dns` command's
// records, the dispatcher's answers). No I/O here: the command hands in what its DNS
// and HTTPS clients found (app/probe/), and prints what these functions render.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/http.h"

namespace automx2 {

enum class CheckStatus { pass, missing, differs, error };

std::string_view check_status_name(CheckStatus status);  // "PASS", "MISSING", …

struct CheckItem {
    std::string domain;
    std::string item;  // "_imaps._tcp SRV", "autoconfig document", …
    CheckStatus status = CheckStatus::error;
    std::string expected;  // one line each: the records or document this service publishes
    std::string found;     // what the world answered
    std::string detail;    // why it is not PASS (empty on PASS)
};

// One record set of the `dns` output, its data normalised for comparison: SRV and CNAME
// in lower case with single spaces ("10 1 993 imap.example.com."), TXT as the bytes of
// its character-strings joined.
struct ExpectedRecords {
    std::string owner;  // absolute, lower case: "_imaps._tcp.example.com."
    std::string type;   // "SRV", "CNAME", "TXT"
    std::vector<std::string> data;
};

// The record sets of dns_zone_snippet() text, in the order of their first record.
// Comment lines and record types other than SRV, CNAME and TXT are skipped.
std::vector<ExpectedRecords> parse_zone_records(std::string_view zone_text);

// What a DNS query found, its data normalised as ExpectedRecords'.
struct DnsAnswer {
    enum class Outcome { records, no_records, failure };
    Outcome outcome = Outcome::failure;
    std::vector<std::string> data;
    std::string error;  // failure: the resolver's reason (timeout, SERVFAIL, …)
};

// The label of an owner within `domain` ("_imaps._tcp"; "@" for the domain itself).
std::string relative_owner(const std::string& owner, const std::string& domain);

// PASS when the published set equals the expected one (order and case aside); the PACC
// TXT record passes when it is among the published ones (old and new digests are
// published together while the body changes). MISSING: no records; ERROR: no answer.
CheckItem compare_records(const std::string& domain, const ExpectedRecords& expected,
                          const DnsAnswer& published);

// A document fetched over HTTPS.
struct FetchResult {
    bool ok = false;    // a complete HTTP answer arrived (any status)
    std::string error;  // !ok: why not (TLS verification, timeout, size limit, …)
    long status = 0;
    std::string content_type;
    std::string body;
};

// PASS when the fetched answer has this service's status and, for 200, its body byte for
// byte; MISSING when this service has a document and the world answers 404 or 204;
// DIFFERS otherwise (the detail names the first differing line); ERROR when nothing came.
CheckItem compare_document(const std::string& domain, const std::string& item,
                           const std::string& url, const Response& own, const FetchResult& fetched);

// The `d=` values of published PACC TXT records ("v=UAAC1; a=sha256; d=…"; tag names
// and the v and a values without case, as clients read them).
std::vector<std::string> pacc_published_digests(const std::vector<std::string>& txt);

// base64(sha256(body)), the digest form of the PACC TXT record.
std::string pacc_body_digest(std::string_view body);

// Whether `body`'s digest is among the published ones: PASS, DIFFERS (a digest is
// published, not this one), MISSING (none published), ERROR (no DNS answer, or no body:
// `body_error` says why).
CheckItem compare_pacc_digest(const std::string& domain, const std::string& item,
                              const DnsAnswer& published, const std::string* body,
                              const std::string& body_error);

// The table for people: one line per item (DOMAIN ITEM STATUS DETAIL), the expected and
// found values under each item that did not pass, and a summary line.
std::string render_check_table(const std::vector<CheckItem>& items);

// {"ok": bool, "summary": {"pass": n, …}, "items": [{"domain", "item", "status",
// "expected", "found", "detail"}]}
std::string render_check_json(const std::vector<CheckItem>& items);

// True when every item passed (and there is at least one).
bool all_passed(const std::vector<CheckItem>& items);

}  // namespace automx2
