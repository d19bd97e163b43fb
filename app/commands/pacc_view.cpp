#include "app/commands/pacc_view.h"

#include "core/builders/autoconfig.h"
#include "core/builders/pacc.h"
#include "core/resolver.h"

namespace automx2 {

std::optional<PaccView> view_pacc(Store& store, const std::string& domain) {
    // Like the route: no address, so no directory.
    Resolver resolver(store, nullptr);
    auto settings = resolver.resolve_domain(domain);
    if (!settings) {
        return std::nullopt;
    }
    PaccView view;
    view.body = build_pacc(*settings, &view.left_out);
    if (view.body) {
        // A key is the only place a quote before the colon is not escaped.
        for (const char* member : {"imap", "pop3", "submit", "caldav", "carddav", "jmap"}) {
            if (view.body->find("\"" + std::string(member) + "\":{") != std::string::npos) {
                view.protocols.emplace_back(member);
            }
        }
    }
    view.cleartext_only = cleartext_only_types(*settings);
    return view;
}

}  // namespace automx2
