// Signed Mobileconfig profiles (SPEC §12): a DER CMS SignedData (RFC 5652) holding the
// property list, made with OpenSSL's libcrypto, as Apple devices expect them.
//
// The certificate, key and chain are PEM files named by the config keys
// sign_certificate, sign_key and sign_chain. Certificates renew, so the files are
// watched: at most once per check interval (one second) a signing call compares the
// files' identity (inode, size, modification time) with the loaded ones and reloads
// when any changed. A reload that fails (unreadable file, a key that does not match
// the certificate, a half-written file) is logged as an error and the previous good
// material stays in use; the same broken state is not reported twice. Neither the key
// nor any file content is ever logged.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "core/config.h"

namespace automx2 {

struct SigningFiles {
    std::string certificate;  // PEM: the signer's certificate
    std::string key;          // PEM: its private key (unencrypted)
    std::string chain;        // PEM: intermediates to include; may be empty
};

class ProfileSigner {
  public:
    // Loads the files at once; a failure is logged and the signer starts without
    // material (sign() then throws BackendUnavailable until the files are good).
    explicit ProfileSigner(SigningFiles files,
                           std::chrono::milliseconds check_interval = std::chrono::seconds(1));
    ~ProfileSigner();
    ProfileSigner(const ProfileSigner&) = delete;
    ProfileSigner& operator=(const ProfileSigner&) = delete;

    // DER CMS SignedData of `content` (attached, CMS_BINARY, the chain included).
    // Thread-safe. Throws BackendUnavailable (503) when no good material was ever
    // loaded, std::runtime_error when OpenSSL fails to sign.
    std::string sign(std::string_view content);

    // True once some material has been loaded successfully.
    bool ready();

    // Opaque loaded state (certificate, key, chain, and the files' identities).
    struct Material;

  private:
    std::shared_ptr<const Material> current();

    const SigningFiles files_;
    const std::chrono::milliseconds check_interval_;
    std::mutex mutex_;  // guards everything below
    std::shared_ptr<const Material> material_;
    std::string failed_identity_;  // identity of the last state that failed to load
    std::chrono::steady_clock::time_point next_check_;
};

// From the configuration: nullptr when sign_certificate, sign_key and sign_chain are
// all empty (profiles unsigned). Throws ConfigError naming the keys when only some are
// set (sign_certificate and sign_key go together; sign_chain needs both).
std::unique_ptr<ProfileSigner> make_signer(const Config& config);

}  // namespace automx2
