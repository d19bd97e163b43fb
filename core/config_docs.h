// The documents rendered from the key table (core/config_keys.h): the key part of the
// sample configuration, of the man page and of the README. The checked-in copies must
// equal these; test/docs/check_config_docs.py compares them (and rewrites them with
// --write).
#pragma once

#include <span>
#include <string>

#include "core/config_keys.h"

namespace automx2 {

// Everything after the "[automx2]" line of packaging/automx2.conf.sample: per key its
// comment, "# Default: …" and "key = value" (commented out for an example of a feature
// that is off by default); a "# --- group ---" heading where the group changes.
std::string render_sample_keys(std::span<const ConfigKey> keys = config_keys());

// The .TP list of the CONFIGURATION section of packaging/automx2-fcgi.8.
std::string render_man_keys(std::span<const ConfigKey> keys = config_keys());

// The Markdown table of the README's Configuration section, set off by blank lines.
std::string render_readme_keys(std::span<const ConfigKey> keys = config_keys());

}  // namespace automx2
