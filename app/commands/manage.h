// The management commands (SPEC §15) over the configured database, through the same
// write path and JSON as the HTTP API (core/api/domain_json.h):
//
//   automx2-fcgi export [FILE]                         the export document
//   automx2-fcgi import FILE|- [--dry-run] [--prune]   an import's answer
//   automx2-fcgi domain list [PREFIX]                  one name and provider per line
//   automx2-fcgi domain show NAME                      the domain view
//   automx2-fcgi domain delete NAME
//   automx2-fcgi token add NAME                        prints the new token once
//
// Exit 0 on success, 1 on a database error, 2 on bad input (and configuration errors).
#pragma once

#include <iosfwd>

#include "app/command_line.h"

namespace automx2 {

int run_export(const CommandLine& line, std::ostream& out, std::ostream& err);
int run_import(const CommandLine& line, std::ostream& out, std::ostream& err);
int run_domain_list(const CommandLine& line, std::ostream& out, std::ostream& err);
int run_domain_show(const CommandLine& line, std::ostream& out, std::ostream& err);
int run_domain_delete(const CommandLine& line, std::ostream& out, std::ostream& err);
int run_token_add(const CommandLine& line, std::ostream& out, std::ostream& err);

}  // namespace automx2
