// Mozilla Autoconfig, clientConfig version 1.1 (SPEC §7, §12). Placeholders are left in
// place: Thunderbird expands them itself.
#pragma once

#include <string>

#include "core/settings.h"

namespace automx2 {

std::string build_autoconfig(const DomainSettings& settings);

}  // namespace automx2
