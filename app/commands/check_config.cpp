#include "app/commands/check_config.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "app/commands/pacc_view.h"
#include "app/runtime.h"
#include "backends/schema.h"
#include "core/errors.h"
#include "core/text.h"

namespace automx2 {

namespace {

namespace fs = std::filesystem;

struct Report {
    std::ostream& out;
    std::ostream& err;
    std::vector<std::string> warnings;

    void line(std::string_view label, std::string_view value) {
        std::string padded(label);
        padded += ':';
        padded.resize(std::max<std::size_t>(padded.size() + 1, 15), ' ');
        out << padded << value << "\n";
    }
    void warn(std::string message) { warnings.push_back(std::move(message)); }
    int fail(int status, const std::string& message) {
        flush_warnings();
        err << "automx2-fcgi: " << message << "\n";
        out << "result:        FAILED\n";
        return status;
    }
    int ok() {
        flush_warnings();
        out << "result:        OK" << (warnings.empty() ? "" : " (with warnings)") << "\n";
        return kCheckOk;
    }
    void flush_warnings() {
        for (const auto& w : warnings)
            err << "automx2-fcgi: warning: " << w << "\n";
        warnings.clear();
    }
};

// Checking a domain is a query; a fleet's database is summarised, not read whole.
constexpr std::size_t kDomainsChecked = 1000;

std::string joined(const std::vector<std::string>& words) {
    std::string out;
    for (const auto& w : words)
        out += (out.empty() ? "" : " ") + w;
    return out;
}

// SPEC §16: what each domain publishes over PACC and leaves out, and the domains whose
// Autoconfig answer can only offer cleartext.
void report_domains(Store& store, Report& report) {
    std::vector<std::string> names = store.domain_names();
    const std::size_t total = names.size();
    if (names.size() > kDomainsChecked)
        names.resize(kDomainsChecked);
    for (const std::string& domain : names) {
        std::optional<PaccView> view;
        try {
            view = view_pacc(store, domain);
        } catch (const BadData& e) {
            report.warn(domain + ": invalid data, every lookup answers 400: " +
                        text::printable(e.what(), 200));
            continue;
        }
        if (!view)
            continue;
        report.line("PACC", domain + ": " +
                                (view->body ? "publishes " + joined(view->protocols)
                                            : "nothing PACC can express (404)"));
        const std::string left_out = domain + ": leaves out ";
        for (const auto& line : view->left_out) {
            std::string message = left_out;
            message += line;
            report.line("PACC", message);
        }
        for (ServerType type : view->cleartext_only) {
            std::string message = domain;
            message += ": only cleartext (plain) ";
            message += word(type);
            message +=
                " servers: Autoconfig lists them, and Thunderbird for Android rejects "
                "such a document; add an SSL or STARTTLS server";
            report.warn(std::move(message));
        }
    }
    if (total > names.size()) {
        report.line("PACC", std::to_string(total - names.size()) +
                                " more domains not checked (automx2-fcgi lookup DOMAIN "
                                "--protocol pacc shows one)");
    }
}

}  // namespace

int check_config(const CommandLine& line, std::ostream& out, std::ostream& err) {
    Report report{out, err, {}};
    std::unique_ptr<Runtime> runtime;
    try {
        runtime = std::make_unique<Runtime>(line.config_file, true);
    } catch (const ConfigError& e) {
        return report.fail(kCheckConfigError, "configuration error: " + std::string(e.what()));
    }
    const Config& config = runtime->config();
    ProfileSigner* signer = runtime->signer();
    if (signer && !signer->ready()) {
        return report.fail(kCheckConfigError,
                           "cannot load the signing certificate, key or chain (see the "
                           "log line above)");
    }
    report.line("profiles", signer ? "signed with " + config.sign_certificate : "unsigned");

    // load_config has already warned about a missing file and an in-memory database.
    report.line("configuration",
                config.source.empty() ? "none found: built-in defaults" : config.source);
    report.line("database", config.db.display + " (" + dialect_name(config.db.dialect) +
                                (config.db.in_memory ? ", in memory: for testing only)" : ")"));

    if (auto file = config.db.sqlite_file()) {
        std::error_code ec;
        const fs::path path(*file);
        if (!fs::exists(path, ec)) {
            const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
            if (!fs::is_directory(dir, ec)) {
                return report.fail(kCheckDatabaseError, "cannot open the database " +
                                                            config.db.display + ": the directory " +
                                                            dir.string() + " does not exist");
            }
            report.line("schema", "not created yet (the database file does not exist)");
            if (access(dir.c_str(), W_OK) != 0) {
                report.warn("the directory " + dir.string() +
                            " is not writable by this user: the service's user must be able "
                            "to create " +
                            path.string());
            }
            report.warn("the service creates " + path.string() +
                        " and its tables when it starts; then load data with GET /initdb/ "
                        "(sample data) or POST /initdb/ (seed JSON)");
            return report.ok();
        }
    }

    StoreStats stats;
    try {
        runtime->open_backends(1);
        stats = runtime->store().stats();
    } catch (const ConfigError& e) {
        return report.fail(kCheckConfigError, "configuration error: " + std::string(e.what()));
    } catch (const std::exception& e) {
        // BackendUnavailable names the database (password masked) and the cause.
        return report.fail(kCheckDatabaseError, e.what());
    }

    if (!stats.has_tables) {
        // open_sql_store creates missing tables: reaching this means it could not.
        return report.fail(kCheckDatabaseError, "the database " + config.db.display +
                                                    " lacks automx2 tables that could not be "
                                                    "created");
    }
    report.line("schema",
                "complete (" + std::to_string(kAutomx2Tables.size()) + " automx2 tables)");
    report.line("providers", std::to_string(stats.providers));
    report.line("domains", std::to_string(stats.domains));
    report.line("mail servers", std::to_string(stats.servers));
    report.line("DAV servers", std::to_string(stats.dav_servers));
    report.line("LDAP servers", std::to_string(stats.ldap_servers));
    try {
        report_domains(runtime->store(), report);
    } catch (const std::exception& e) {
        return report.fail(kCheckDatabaseError, e.what());
    }
    if (stats.providers == 0) {
        report.warn(
            "the database holds no provider data: every lookup answers 204; load "
            "data with GET /initdb/ (sample data) or POST /initdb/ (seed JSON) from "
            "an address in initdb_allowed_from");
    } else if (stats.domains == 0) {
        report.warn("the database holds no domains: every lookup answers 204");
    }
    return report.ok();
}

}  // namespace automx2
