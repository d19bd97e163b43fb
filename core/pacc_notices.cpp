#include "core/pacc_notices.h"

#include <mutex>
#include <unordered_map>

#include "core/log.h"
#include "core/sha256.h"

namespace automx2 {
namespace {

// Only domains found in the database get here, but a huge one must not grow this
// without end: past the bound the memory starts over (and lines may repeat once).
constexpr std::size_t kMaxDomains = 100000;

std::mutex notices_mutex;
std::unordered_map<std::string, std::string> notices;  // domain → digest of its lines

}  // namespace

bool note_pacc_left_out(const std::string& domain, const std::vector<std::string>& left_out) {
    std::string joined;
    for (const auto& line : left_out) {
        joined += line;
        joined += '\n';
    }
    const std::string digest = sha256_hex(joined);
    {
        std::lock_guard<std::mutex> lock(notices_mutex);
        auto found = notices.find(domain);
        if (found != notices.end() && found->second == digest) {
            return false;
        }
        if (found == notices.end() && notices.size() >= kMaxDomains) {
            notices.clear();
        }
        notices[domain] = digest;
    }
    if (left_out.empty()) {
        return false;
    }
    const std::string prefix = "PACC for " + domain + " leaves out ";
    for (const auto& line : left_out) {
        std::string message = prefix;
        message += line;
        log::warning(message);
    }
    return true;
}

}  // namespace automx2
