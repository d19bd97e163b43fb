#include "core/api/export_document.h"

#include <nlohmann/json.hpp>
#include <optional>

#include "core/api/domain_json.h"
#include "core/errors.h"
#include "core/seed_json.h"

namespace automx2::api {
namespace {

using json = nlohmann::json;
using ojson = nlohmann::ordered_json;

// The reason the import would give for `single` (a seed with one server), if any.
std::optional<std::string> refusal(const ExportSeed& single) {
    try {
        parse_seed_value(json::parse(export_seed_json(single)), "", {}, SeedRules{false, false});
        return std::nullopt;
    } catch (const std::exception& e) {  // BadRequest, or anything else the parser meets
        return std::string(e.what());
    }
}

// Keeps the importable servers of `seed`; a note for each one left out.
void drop_unimportable(ExportSeed& seed, ojson& skipped, std::vector<std::string>& notes) {
    ExportSeed single;
    single.provider.name = seed.provider.name;
    single.provider.short_name = seed.provider.short_name;
    single.provider.domains.push_back({seed.provider.domains.front().name, std::nullopt});
    auto note = [&](const std::optional<std::string>& reason) {
        ojson domains = ojson::array();
        for (const auto& domain : seed.provider.domains) {
            domains.push_back(domain.name);
        }
        const ojson rendered = ojson::parse(export_seed_json(single));
        skipped.push_back({{"provider", seed.provider.name},
                           {"domains", std::move(domains)},
                           {"server", rendered["servers"].at(0)},
                           {"reason", *reason}});
        notes.push_back("export: left out a server of provider " + seed.provider.name + " (" +
                        std::to_string(seed.provider.domains.size()) +
                        " domains) the import would refuse: " + *reason);
    };
    std::vector<SeedMailServer> servers;
    for (auto& server : seed.provider.servers) {
        single.provider.servers = {server};
        if (const auto reason = refusal(single)) {
            note(reason);
        } else {
            servers.push_back(std::move(server));
        }
    }
    single.provider.servers.clear();
    std::vector<SeedDavServer> dav_servers;
    for (auto& server : seed.provider.dav_servers) {
        single.provider.dav_servers = {server};
        if (const auto reason = refusal(single)) {
            note(reason);
        } else {
            dav_servers.push_back(std::move(server));
        }
    }
    seed.provider.servers = std::move(servers);
    seed.provider.dav_servers = std::move(dav_servers);
}

}  // namespace

std::vector<std::string> write_export(Store& store,
                                      const std::function<void(std::string_view)>& write) {
    ojson skipped = ojson::array();
    std::vector<std::string> notes;
    write("{\"version\":2,\"seeds\":[");
    bool first = true;
    store.export_seeds([&](const ExportSeed& stored) {
        ExportSeed seed = stored;
        if (!seed.provider.domains.empty()) {
            drop_unimportable(seed, skipped, notes);
        }
        write(first ? export_seed_json(seed) : "," + export_seed_json(seed));
        first = false;
    });
    write("]");
    if (!skipped.empty()) {
        write(",\"skipped\":" +
              skipped.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    }
    write("}\n");
    return notes;
}

}  // namespace automx2::api
