// The Directory over the OpenLDAP client library (SPEC §5.2).
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "core/directory.h"

namespace automx2 {

struct LdapOptions {
    std::chrono::milliseconds network_timeout{2000};    // connect (TCP and TLS handshake)
    std::chrono::milliseconds operation_timeout{2000};  // each bind or search
    std::string ca_file;                                // empty: the system's CAs
    bool verify_tls = true;                             // false only for testing, loudly logged
};

// Connections are kept per worker thread and per directory server, reused across
// requests (rebound when the row's bind_user or bind_password changed), and replaced
// when broken: a kept connection found dead gets one fresh attempt in the same request.
// A call that timed out is not repeated, so a silent directory costs one timeout.
// Thread-safe.
std::unique_ptr<Directory> make_ldap_directory(const LdapOptions& options);

}  // namespace automx2
