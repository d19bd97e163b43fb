#include "app/commands/manage.h"

#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <ostream>
#include <sstream>

#include "app/runtime.h"
#include "core/address.h"
#include "core/api/domain_json.h"
#include "core/api/export_document.h"
#include "core/api/problem.h"
#include "core/api/tokens.h"
#include "core/config.h"
#include "core/errors.h"
#include "core/log.h"

namespace automx2 {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitDatabase = 1;
constexpr int kExitBadInput = 2;

// Runs `body` with the command's runtime; maps the write path's exceptions to the exit
// statuses above, with the problem on `err`.
template <typename F>
int with_store(const CommandLine& line, std::ostream& err, F&& body) {
    auto runtime = open_command_runtime(line.config_file, false, err);
    if (!runtime) {
        return kExitDatabase;
    }
    try {
        return body(runtime->store());
    } catch (const api::Problem& e) {
        err << "automx2-fcgi: " << e.what() << "\n";
        for (const auto& field : e.errors()) {
            if (!field.pointer.empty()) {
                err << "  at " << field.pointer << "\n";
            }
        }
        return e.status() >= 500 ? kExitDatabase : kExitBadInput;
    } catch (const BadRequest& e) {
        err << "automx2-fcgi: " << e.what() << "\n";
        return kExitBadInput;
    } catch (const PreconditionFailed& e) {
        err << "automx2-fcgi: " << e.what() << "\n";
        return kExitBadInput;
    } catch (const std::exception& e) {
        err << "automx2-fcgi: " << e.what() << "\n";
        return kExitDatabase;
    }
}

std::string domain_word(const CommandLine& line) {
    if (line.words.size() != 1) {
        throw UsageError("name exactly one domain", true);
    }
    const auto name = normalise_domain(line.words.front());
    if (!name || name->empty()) {
        throw BadRequest("\"" + line.words.front() + "\" is not a domain name");
    }
    return *name;
}

}  // namespace

int run_export(const CommandLine& line, std::ostream& out, std::ostream& err) {
    if (line.words.size() > 1) {
        throw UsageError("export takes at most one FILE", true);
    }
    return with_store(line, err, [&](Store& store) {
        std::ofstream file;
        if (!line.words.empty()) {
            file.open(line.words.front(), std::ios::binary | std::ios::trunc);
            if (!file) {
                err << "automx2-fcgi: cannot write " << line.words.front() << "\n";
                return kExitBadInput;
            }
        }
        std::ostream& sink = line.words.empty() ? out : file;
        // Written seed by seed: memory stays bounded by the largest provider.
        const auto notes = api::write_export(store, [&](std::string_view chunk) {
            sink.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
        });
        for (const auto& note : notes) {
            err << "automx2-fcgi: " << note << "\n";
        }
        sink.flush();
        return sink ? kExitOk : kExitDatabase;
    });
}

int run_import(const CommandLine& line, std::ostream& out, std::ostream& err) {
    if (line.words.size() != 1) {
        throw UsageError("import takes one FILE (or - for standard input)", true);
    }
    std::string body;
    if (line.words.front() == "-") {
        body.assign(std::istreambuf_iterator<char>(std::cin), {});
    } else {
        std::ifstream file(line.words.front(), std::ios::binary);
        if (!file) {
            err << "automx2-fcgi: cannot read " << line.words.front() << "\n";
            return kExitBadInput;
        }
        body.assign(std::istreambuf_iterator<char>(file), {});
    }
    return with_store(line, err, [&](Store& store) {
        ChangeSet changes = api::parse_import_body(body);
        changes.dry_run = line.option("--dry-run").has_value();
        changes.prune = line.option("--prune").has_value();
        const ChangeOutcome outcome = store.apply(changes);
        log::warning("import from the command line: " + std::to_string(outcome.created.size()) +
                     " created, " + std::to_string(outcome.replaced.size()) + " replaced, " +
                     std::to_string(outcome.removed.size()) + " removed" +
                     (changes.dry_run ? " (dry run)" : ""));
        out << api::outcome_json(outcome, changes.dry_run).dump() << "\n";
        return kExitOk;
    });
}

int run_domain_list(const CommandLine& line, std::ostream& out, std::ostream& err) {
    if (line.words.size() > 1) {
        throw UsageError("domain list takes at most one PREFIX", true);
    }
    const std::string prefix = line.words.empty() ? "" : line.words.front();
    return with_store(line, err, [&](Store& store) {
        std::string after;
        for (;;) {
            const DomainPage page = store.list_domains(prefix, after, 1000);
            for (const auto& entry : page.domains) {
                out << entry.name << "\t" << entry.provider << "\n";
            }
            if (!page.next) {
                return kExitOk;
            }
            after = *page.next;
        }
    });
}

int run_domain_show(const CommandLine& line, std::ostream& out, std::ostream& err) {
    return with_store(line, err, [&](Store& store) {
        const std::string name = domain_word(line);
        const auto record = store.find_domain(name);
        if (!record) {
            err << "automx2-fcgi: " << name << " is not in the database\n";
            return kExitBadInput;
        }
        out << api::domain_view(*record).dump(2) << "\n";
        return kExitOk;
    });
}

int run_domain_delete(const CommandLine& line, std::ostream& out, std::ostream& err) {
    return with_store(line, err, [&](Store& store) {
        ChangeSet changes;
        changes.removals.push_back(domain_word(line));
        const ChangeOutcome outcome = store.apply(changes);
        if (outcome.removed.empty()) {
            err << "automx2-fcgi: " << changes.removals.front() << " is not in the database\n";
            return kExitBadInput;
        }
        log::warning("domain " + outcome.removed.front() + " deleted from the command line");
        out << "deleted " << outcome.removed.front() << "\n";
        return kExitOk;
    });
}

int run_token_add(const CommandLine& line, std::ostream& out, std::ostream& err) {
    if (line.words.size() != 1) {
        throw UsageError("token add takes one NAME", true);
    }
    try {
        const Config config = load_config(line.config_file);
        if (config.admin_tokens_file.empty()) {
            err << "automx2-fcgi: admin_tokens_file is not set in the configuration\n";
            return kExitBadInput;
        }
        std::optional<std::string> expires;
        if (const auto given = line.option("--expires")) {
            expires = api::token_expiry(*given);
            if (!expires) {
                err << "automx2-fcgi: --expires takes a future date YYYY-MM-DD or a number of "
                       "days\n";
                return kExitBadInput;
            }
        }
        const std::string token =
            api::add_token(config.admin_tokens_file, line.words.front(), expires);
        out << token << "\n";
        err << "automx2-fcgi: token " << line.words.front() << " added to "
            << config.admin_tokens_file << "; it is shown only this once"
            << (expires ? "; it expires " + *expires : std::string()) << "\n";
        return kExitOk;
    } catch (const std::exception& e) {
        err << "automx2-fcgi: " << e.what() << "\n";
        return kExitBadInput;
    }
}

}  // namespace automx2
