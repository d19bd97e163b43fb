#include "core/resolver.h"

#include <algorithm>

#include "core/log.h"

namespace automx2 {
namespace {

std::string lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) {
        return static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
    });
    return text;
}

// Documents name domains as DNS knows them (SPEC §12), whatever case the rows use.
DomainSettings finish(DomainSettings settings, const std::string& domain) {
    settings.domain = domain;
    for (auto& name : settings.provider_domains) {
        name = lower(std::move(name));
    }
    expand_host_placeholders(settings);
    return settings;
}

}  // namespace

std::optional<DomainSettings> Resolver::resolve(const Address& address) {
    auto record = store_.find_domain(address.domain);
    if (!record) {
        log::info("unknown domain " + address.domain);
        return std::nullopt;
    }
    std::optional<std::string> uid;
    std::optional<std::string> display_name;
    if (record->ldap) {
        if (directory_ == nullptr) {
            log::warning("domain " + address.domain + " names LDAP server " +
                         std::to_string(record->ldap->id) +
                         ", but no directory support is configured: answering without it");
        } else {
            auto entry = directory_->find(*record->ldap, address.full());
            if (!entry && unknown_user_gets_domain_) {
                // The same answer for every unknown address: the row's user names with
                // their placeholders, no display name.
                log::info("no directory entry for an address in " + address.domain +
                          ": answering with the domain's settings (ldap_unknown_user)");
                DomainSettings settings = make_settings(*record, std::nullopt, std::nullopt);
                settings.from_directory = true;
                return finish(std::move(settings), address.domain);
            }
            if (!entry) {
                log::info("no directory entry for an address in " + address.domain);
                return std::nullopt;
            }
            uid = entry->uid;
            display_name = entry->cn;
        }
    }
    DomainSettings settings = make_settings(*record, uid, display_name);
    settings.from_directory = record->ldap && directory_ != nullptr;
    return finish(std::move(settings), address.domain);
}

std::optional<DomainSettings> Resolver::resolve_domain(const std::string& domain) {
    auto record = store_.find_domain(domain);
    if (!record) {
        return std::nullopt;
    }
    return finish(make_settings(*record, std::nullopt, std::nullopt), domain);
}

}  // namespace automx2
