#include "app/probe/dns_query.h"

#include <ldns/ldns.h>

#include <algorithm>
#include <cstdlib>
#include <stdexcept>

#include "core/text.h"

namespace automx2 {
namespace {

template <auto Free>
struct Deleter {
    template <typename T>
    void operator()(T* p) const noexcept {
        Free(p);
    }
};
using ResolverPtr = std::unique_ptr<ldns_resolver, Deleter<ldns_resolver_deep_free>>;
using RdfPtr = std::unique_ptr<ldns_rdf, Deleter<ldns_rdf_deep_free>>;
using PktPtr = std::unique_ptr<ldns_pkt, Deleter<ldns_pkt_free>>;
using RrListPtr = std::unique_ptr<ldns_rr_list, Deleter<ldns_rr_list_deep_free>>;
using CharPtr = std::unique_ptr<char, Deleter<std::free>>;

std::string rdf_text(const ldns_rdf* rdf) {
    CharPtr text(ldns_rdf2str(rdf));
    return text ? std::string(text.get()) : std::string();
}

// TXT: the bytes of every <character-string> (a length octet, then the bytes), joined.
std::string txt_data(const ldns_rr* rr) {
    std::string out;
    for (std::size_t i = 0; i < ldns_rr_rd_count(rr); ++i) {
        const ldns_rdf* rdf = ldns_rr_rdf(rr, i);
        const std::size_t size = ldns_rdf_size(rdf);
        const auto* data = ldns_rdf_data(rdf);
        if (size == 0)
            continue;
        const std::size_t length = std::min<std::size_t>(data[0], size - 1);
        out.append(reinterpret_cast<const char*>(data + 1), length);
    }
    return out;
}

std::string srv_data(const ldns_rr* rr) {
    if (ldns_rr_rd_count(rr) != 4)
        return "(malformed SRV)";
    return std::to_string(ldns_rdf2native_int16(ldns_rr_rdf(rr, 0))) + " " +
           std::to_string(ldns_rdf2native_int16(ldns_rr_rdf(rr, 1))) + " " +
           std::to_string(ldns_rdf2native_int16(ldns_rr_rdf(rr, 2))) + " " +
           text::to_lower(rdf_text(ldns_rr_rdf(rr, 3)));
}

// "ADDR", "ADDR:PORT", "[V6]:PORT", "V6" → address and port.
std::pair<std::string, std::uint16_t> split_resolver(const std::string& text) {
    std::string address = text;
    long port = 53;
    std::string port_text;
    if (text.starts_with('[')) {
        const auto close = text.find(']');
        if (close == std::string::npos)
            throw std::invalid_argument("--resolver: unbalanced '[' in \"" + text + "\"");
        address = text.substr(1, close - 1);
        if (close + 1 < text.size()) {
            if (text[close + 1] != ':')
                throw std::invalid_argument("--resolver: expected ':PORT' after ']'");
            port_text = text.substr(close + 2);
        }
    } else if (std::count(text.begin(), text.end(), ':') == 1) {
        address = text.substr(0, text.find(':'));
        port_text = text.substr(text.find(':') + 1);
    }
    if (!port_text.empty()) {
        char* end = nullptr;
        port = std::strtol(port_text.c_str(), &end, 10);
        if (*end != '\0' || port < 1 || port > 65535)
            throw std::invalid_argument("--resolver: bad port \"" + port_text + "\"");
    }
    return {address, static_cast<std::uint16_t>(port)};
}

}  // namespace

struct DnsQuery::Resolver {
    ResolverPtr handle;
};

DnsQuery::DnsQuery(const std::optional<std::string>& resolver, std::chrono::milliseconds timeout)
    : resolver_(std::make_unique<Resolver>()) {
    ldns_resolver* res = nullptr;
    if (resolver) {
        const auto [address, port] = split_resolver(*resolver);
        const bool v6 = address.find(':') != std::string::npos;
        RdfPtr ns(ldns_rdf_new_frm_str(v6 ? LDNS_RDF_TYPE_AAAA : LDNS_RDF_TYPE_A, address.c_str()));
        if (!ns)
            throw std::invalid_argument("--resolver: \"" + address + "\" is not an IP address");
        res = ldns_resolver_new();
        if (res == nullptr)
            throw std::runtime_error("out of memory");
        resolver_->handle.reset(res);
        if (ldns_resolver_push_nameserver(res, ns.get()) != LDNS_STATUS_OK)
            throw std::runtime_error("cannot use the resolver " + address);
        ldns_resolver_set_port(res, port);
        ldns_resolver_set_recursive(res, true);
    } else {
        const ldns_status status = ldns_resolver_new_frm_file(&res, nullptr);
        if (status != LDNS_STATUS_OK)
            throw std::runtime_error(std::string("cannot read the system's resolver "
                                                 "configuration: ") +
                                     ldns_get_errorstr_by_id(status));
        resolver_->handle.reset(res);
    }
    // Bounded: one try per server, this long each; names are absolute (no search list).
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
    tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
    ldns_resolver_set_timeout(res, tv);
    ldns_resolver_set_retry(res, 1);
    ldns_resolver_set_retrans(res, 0);
    ldns_resolver_set_defnames(res, false);
    ldns_resolver_set_dnsrch(res, false);
    ldns_resolver_set_fallback(res, true);  // TCP when an answer is truncated
}

DnsQuery::~DnsQuery() = default;

DnsAnswer DnsQuery::query(const std::string& owner, const std::string& type) const {
    DnsAnswer answer;
    const ldns_rr_type rr_type = ldns_get_rr_type_by_name(type.c_str());
    RdfPtr name(ldns_dname_new_frm_str(owner.c_str()));
    if (!name || rr_type == 0) {
        answer.error = "cannot query " + type + " at \"" + text::printable(owner) + "\"";
        return answer;
    }
    ldns_pkt* raw = nullptr;
    const ldns_status status = ldns_resolver_query_status(&raw, resolver_->handle.get(), name.get(),
                                                          rr_type, LDNS_RR_CLASS_IN, LDNS_RD);
    PktPtr pkt(raw);
    if (status != LDNS_STATUS_OK || !pkt) {
        answer.error = ldns_get_errorstr_by_id(status);
        return answer;
    }
    const ldns_pkt_rcode rcode = ldns_pkt_get_rcode(pkt.get());
    if (rcode != LDNS_RCODE_NOERROR && rcode != LDNS_RCODE_NXDOMAIN) {
        CharPtr text(ldns_pkt_rcode2str(rcode));
        answer.error = "the resolver answered " + std::string(text ? text.get() : "an error");
        return answer;
    }
    answer.outcome = DnsAnswer::Outcome::records;
    RrListPtr list(
        ldns_pkt_rr_list_by_name_and_type(pkt.get(), name.get(), rr_type, LDNS_SECTION_ANSWER));
    for (std::size_t i = 0; list && i < ldns_rr_list_rr_count(list.get()); ++i) {
        const ldns_rr* rr = ldns_rr_list_rr(list.get(), i);
        if (rr_type == LDNS_RR_TYPE_TXT)
            answer.data.push_back(txt_data(rr));
        else if (rr_type == LDNS_RR_TYPE_SRV)
            answer.data.push_back(srv_data(rr));
        else if (ldns_rr_rd_count(rr) > 0)
            answer.data.push_back(text::to_lower(rdf_text(ldns_rr_rdf(rr, 0))));
    }
    if (answer.data.empty())
        answer.outcome = DnsAnswer::Outcome::no_records;
    return answer;
}

}  // namespace automx2
