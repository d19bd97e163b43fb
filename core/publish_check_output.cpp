// The check command's output: the table for people and the JSON (core/publish_check.h).
#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/publish_check.h"
#include "core/text.h"

namespace automx2 {

std::string render_check_table(const std::vector<CheckItem>& items) {
    std::size_t domain_width = 6;
    std::size_t item_width = 4;
    for (const CheckItem& i : items) {
        domain_width = std::max(domain_width, i.domain.size());
        item_width = std::max(item_width, i.item.size());
    }
    auto pad = [](std::string text, std::size_t width) {
        text.resize(std::max(text.size(), width), ' ');
        return text;
    };
    std::ostringstream out;
    out << pad("DOMAIN", domain_width) << "  " << pad("ITEM", item_width) << "  STATUS   DETAIL\n";
    std::array<std::size_t, 4> counts{};
    for (const CheckItem& i : items) {
        ++counts[static_cast<std::size_t>(i.status)];
        std::string line = pad(i.domain, domain_width) + "  " + pad(i.item, item_width) + "  " +
                           pad(std::string(check_status_name(i.status)), 7) + "  " + i.detail;
        line.erase(line.find_last_not_of(' ') + 1);
        out << line << "\n";
        if (i.status == CheckStatus::pass)
            continue;
        for (const auto& [label, value] :
             {std::pair{"expected", &i.expected}, std::pair{"found", &i.found}}) {
            std::istringstream lines(*value);
            std::string line;
            while (std::getline(lines, line))
                out << "    " << pad(label, 9) << line << "\n";
        }
    }
    out << items.size() << " items: " << counts[0] << " PASS, " << counts[1] << " MISSING, "
        << counts[2] << " DIFFERS, " << counts[3] << " ERROR\n";
    return out.str();
}

std::string render_check_json(const std::vector<CheckItem>& items) {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    nlohmann::ordered_json summary = {{"pass", 0}, {"missing", 0}, {"differs", 0}, {"error", 0}};
    for (const CheckItem& i : items) {
        const std::string status(check_status_name(i.status));
        summary[text::to_lower(status)] = summary[text::to_lower(status)].get<int>() + 1;
        list.push_back({{"domain", i.domain},
                        {"item", i.item},
                        {"status", status},
                        {"expected", i.expected},
                        {"found", i.found},
                        {"detail", i.detail}});
    }
    nlohmann::ordered_json doc = {{"ok", all_passed(items)}, {"summary", summary}, {"items", list}};
    // Bytes from the network need not be UTF-8: replaced, never a throw.
    return doc.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

bool all_passed(const std::vector<CheckItem>& items) {
    return !items.empty() && std::all_of(items.begin(), items.end(), [](const CheckItem& i) {
        return i.status == CheckStatus::pass;
    });
}

}  // namespace automx2
