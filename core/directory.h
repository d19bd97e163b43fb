// The contract for per-user lookups in a directory (SPEC §5.2), implemented over
// OpenLDAP in backends/. No entry is a value (nullopt); a bind failure, timeout or an
// unreachable server throws BackendUnavailable (503) with the cause, never the password.
#pragma once

#include <optional>
#include <string>

#include "core/model.h"

namespace automx2 {

struct DirectoryEntry {
    std::optional<std::string> uid;  // first value of attr_uid
    std::optional<std::string> cn;   // first value of attr_cn
};

class Directory {
  public:
    virtual ~Directory() = default;
    virtual std::optional<DirectoryEntry> find(const LdapServerRow& server,
                                               const std::string& address) = 0;
};

}  // namespace automx2
