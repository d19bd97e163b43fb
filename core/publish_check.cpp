#include "core/publish_check.h"

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <regex>
#include <sstream>

#include "core/sha256.h"
#include "core/text.h"

namespace automx2 {
namespace {

constexpr std::string_view kPaccOwnerPrefix = "_ua-auto-config.";
constexpr std::size_t kShownBytes = 200;  // of a differing line in the detail

bool is_blank(char c) {
    return c == ' ' || c == '\t' || c == '\r';
}

struct Word {
    std::string text;
    std::size_t end;  // offset after it in the line
};

std::vector<Word> split_words(std::string_view line) {
    std::vector<Word> words;
    std::size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && is_blank(line[i]))
            ++i;
        const std::size_t start = i;
        while (i < line.size() && !is_blank(line[i]))
            ++i;
        if (i > start)
            words.push_back({std::string(line.substr(start, i - start)), i});
    }
    return words;
}

bool is_ttl(const std::string& word) {
    return !word.empty() && std::all_of(word.begin(), word.end(), [](char c) {
        return std::isdigit(static_cast<unsigned char>(c)) != 0;
    });
}

// RFC 1035 §5.1 <character-string>s ("…" with \" \\ \DDD, or bare words), joined.
std::string txt_bytes(std::string_view data) {
    std::string out;
    std::size_t i = 0;
    while (i < data.size()) {
        if (is_blank(data[i])) {
            ++i;
            continue;
        }
        const bool quoted = data[i] == '"';
        if (quoted)
            ++i;
        while (i < data.size() && (quoted ? data[i] != '"' : !is_blank(data[i]))) {
            if (data[i] == '\\' && i + 1 < data.size()) {
                if (i + 3 < data.size() && std::isdigit(static_cast<unsigned char>(data[i + 1])) &&
                    std::isdigit(static_cast<unsigned char>(data[i + 2])) &&
                    std::isdigit(static_cast<unsigned char>(data[i + 3]))) {
                    out.push_back(static_cast<char>(std::stoi(std::string(data.substr(i + 1, 3)))));
                    i += 4;
                    continue;
                }
                ++i;
            }
            out.push_back(data[i++]);
        }
        if (quoted && i < data.size())
            ++i;  // the closing quote
    }
    return out;
}

std::string joined(const std::vector<std::string>& words) {
    std::string out;
    for (const std::string& w : words) {
        if (!out.empty())
            out.push_back(' ');
        out += w;
    }
    return out;
}

// One value per line, in a stable order, printable.
std::string listing(std::vector<std::string> values) {
    std::sort(values.begin(), values.end());
    std::string out;
    for (const std::string& v : values) {
        if (!out.empty())
            out.push_back('\n');
        out += text::printable(v, kShownBytes);
    }
    return out;
}

CheckItem make_item(const std::string& domain, std::string item, CheckStatus status,
                    std::string detail = {}) {
    CheckItem out;
    out.domain = domain;
    out.item = std::move(item);
    out.status = status;
    out.detail = std::move(detail);
    return out;
}

// "line N: expected …, found …" for the first line where two bodies part.
std::string first_difference(const std::string& expected, const std::string& found) {
    std::size_t at = 0;
    while (at < expected.size() && at < found.size() && expected[at] == found[at])
        ++at;
    const auto line =
        1 + std::count(expected.begin(), expected.begin() + static_cast<std::ptrdiff_t>(at), '\n');
    auto line_at = [at](const std::string& text) {
        const std::size_t start = text.rfind('\n', at == 0 ? 0 : at - 1);
        const std::size_t from = start == std::string::npos || at == 0 ? 0 : start + 1;
        return text::printable(text.substr(from, text.find('\n', from) - from), 80);
    };
    return "the body differs from line " + std::to_string(line) + " (byte " + std::to_string(at) +
           "): expected \"" + line_at(expected) + "\", found \"" + line_at(found) + "\"";
}

// An Autodiscover error carries the time and an id of its own answer (SPEC §8): two
// answers are the same when all else is.
std::string without_error_stamps(const std::string& body) {
    static const std::regex stamp(R"re( Time="\d\d:\d\d:\d\d\.\d{6}" Id="\d+")re");
    if (body.find(" Time=\"") == std::string::npos)
        return body;
    return std::regex_replace(body, stamp, R"( Time="" Id="")");
}

}  // namespace

std::string_view check_status_name(CheckStatus status) {
    switch (status) {
        case CheckStatus::pass:
            return "PASS";
        case CheckStatus::missing:
            return "MISSING";
        case CheckStatus::differs:
            return "DIFFERS";
        case CheckStatus::error:
            return "ERROR";
    }
    return "ERROR";
}

std::vector<ExpectedRecords> parse_zone_records(std::string_view zone_text) {
    std::vector<ExpectedRecords> sets;
    std::istringstream in{std::string(zone_text)};
    std::string line;
    while (std::getline(in, line)) {
        const auto words = split_words(line);
        if (words.size() < 3 || words[0].text.starts_with(';'))
            continue;
        // owner [TTL] [IN] type data (RFC 1035 §5.1; TTL and class in either order)
        std::size_t t = 1;
        while (t + 1 < words.size() && (is_ttl(words[t].text) || words[t].text == "IN"))
            ++t;
        const std::string word = text::to_lower(words[t].text);
        const std::string type = word == "srv"     ? "SRV"
                                 : word == "cname" ? "CNAME"
                                 : word == "txt"   ? "TXT"
                                                   : "";
        if (type.empty() || t + 1 >= words.size())
            continue;
        const std::string owner = text::to_lower(words[0].text);
        std::string data;
        if (type == "TXT") {
            // The raw text after the type: quoted strings may hold spaces.
            data = txt_bytes(std::string_view(line).substr(words[t].end));
        } else {
            std::vector<std::string> rest;
            rest.reserve(words.size() - t - 1);
            for (std::size_t i = t + 1; i < words.size(); ++i)
                rest.push_back(words[i].text);
            data = text::to_lower(joined(rest));
        }
        auto set = std::find_if(sets.begin(), sets.end(), [&](const ExpectedRecords& s) {
            return s.owner == owner && s.type == type;
        });
        if (set == sets.end()) {
            sets.push_back({owner, type, {}});
            set = sets.end() - 1;
        }
        set->data.push_back(std::move(data));
    }
    return sets;
}

std::string relative_owner(const std::string& owner, const std::string& domain) {
    const std::string suffix = "." + domain + ".";
    if (owner == domain + ".")
        return "@";
    if (owner.size() > suffix.size() && owner.ends_with(suffix))
        return owner.substr(0, owner.size() - suffix.size());
    return owner;
}

CheckItem compare_records(const std::string& domain, const ExpectedRecords& expected,
                          const DnsAnswer& published) {
    CheckItem item = make_item(domain, relative_owner(expected.owner, domain) + " " + expected.type,
                               CheckStatus::pass);
    item.expected = listing(expected.data);
    if (published.outcome == DnsAnswer::Outcome::failure) {
        item.status = CheckStatus::error;
        item.detail = "no answer: " + published.error;
        return item;
    }
    std::vector<std::string> found = published.data;
    if (expected.type != "TXT") {
        for (std::string& value : found)
            value = text::to_lower(value);
    }
    item.found = listing(found);
    if (found.empty()) {
        item.status = CheckStatus::missing;
        item.detail = "no " + expected.type + " record at " + expected.owner;
        return item;
    }
    auto has = [](const std::vector<std::string>& set, const std::string& value) {
        return std::find(set.begin(), set.end(), value) != set.end();
    };
    const bool rotation = expected.type == "TXT" && expected.owner.starts_with(kPaccOwnerPrefix);
    bool equal = std::all_of(expected.data.begin(), expected.data.end(),
                             [&](const std::string& v) { return has(found, v); });
    if (!rotation) {
        equal = equal && std::all_of(found.begin(), found.end(),
                                     [&](const std::string& v) { return has(expected.data, v); });
    }
    if (!equal) {
        item.status = CheckStatus::differs;
        item.detail = rotation ? "the record for this service's body is not published"
                               : "the published records are not the expected ones";
    }
    return item;
}

CheckItem compare_document(const std::string& domain, const std::string& item,
                           const std::string& url, const Response& own,
                           const FetchResult& fetched) {
    CheckItem out = make_item(domain, item, CheckStatus::pass);
    out.expected = std::to_string(own.status) + " " + url;
    if (!fetched.ok) {
        out.status = CheckStatus::error;
        out.detail = url + ": " + fetched.error;
        return out;
    }
    out.found = std::to_string(fetched.status) + " " + std::to_string(fetched.body.size()) +
                " bytes " + text::printable(fetched.content_type, 80);
    if (fetched.status != own.status) {
        const bool absent = fetched.status == 404 || fetched.status == 204;
        out.status = own.status == 200 && absent ? CheckStatus::missing : CheckStatus::differs;
        out.detail = url + " answered " + std::to_string(fetched.status) + ", this service " +
                     std::to_string(own.status);
        return out;
    }
    if (own.status != 200)
        return out;
    const std::string mine = without_error_stamps(own.body);
    const std::string theirs = without_error_stamps(fetched.body);
    if (mine != theirs) {
        out.status = CheckStatus::differs;
        out.detail = url + ": " + first_difference(mine, theirs);
    }
    return out;
}

std::vector<std::string> pacc_published_digests(const std::vector<std::string>& txt) {
    // As clients read it: ';'-separated tags, names and the v and a values compared
    // without case; a record without v=UAAC1, a=sha256 and a d value is not PACC's.
    std::vector<std::string> digests;
    for (const std::string& record : txt) {
        std::string v, a, d;
        std::istringstream tags(record);
        std::string tag;
        while (std::getline(tags, tag, ';')) {
            const auto eq = tag.find('=');
            if (eq == std::string::npos)
                continue;
            const std::string_view name = text::trim(std::string_view(tag).substr(0, eq));
            const std::string value(text::trim(std::string_view(tag).substr(eq + 1)));
            if (text::iequals(name, "v"))
                v = value;
            else if (text::iequals(name, "a"))
                a = value;
            else if (text::iequals(name, "d"))
                d = value;
        }
        if (text::iequals(v, "UAAC1") && text::iequals(a, "sha256") && !d.empty())
            digests.push_back(d);
    }
    return digests;
}

std::string pacc_body_digest(std::string_view body) {
    return sha256_base64(body);
}

CheckItem compare_pacc_digest(const std::string& domain, const std::string& item,
                              const DnsAnswer& published, const std::string* body,
                              const std::string& body_error) {
    CheckItem out = make_item(domain, item, CheckStatus::pass);
    if (published.outcome == DnsAnswer::Outcome::failure) {
        out.status = CheckStatus::error;
        out.detail = "no answer for the _ua-auto-config TXT record: " + published.error;
        return out;
    }
    if (body == nullptr) {
        out.status = CheckStatus::error;
        out.detail = body_error;
        return out;
    }
    const std::string digest = pacc_body_digest(*body);
    const auto digests = pacc_published_digests(published.data);
    out.expected = "d=" + digest;
    out.found = listing([&] {
        std::vector<std::string> shown;
        shown.reserve(digests.size());
        for (const std::string& d : digests)
            shown.push_back("d=" + d);
        return shown;
    }());
    if (digests.empty()) {
        out.status = CheckStatus::missing;
        out.detail = "no v=UAAC1 TXT record with a digest is published";
    } else if (std::find(digests.begin(), digests.end(), digest) == digests.end()) {
        out.status = CheckStatus::differs;
        out.detail = "no published digest is the sha256 of this body";
    }
    return out;
}

}  // namespace automx2
