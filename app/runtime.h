// The start-up wiring, written once for the service and every command:
// configuration → signer → store → LDAP directory → resolver → dispatcher.
#pragma once

#include <cstddef>
#include <iosfwd>
#include <memory>
#include <string>

#include "core/builders/signing.h"
#include "core/config.h"
#include "core/directory.h"
#include "core/dispatcher.h"
#include "core/resolver.h"
#include "core/response_cache.h"
#include "core/store.h"

namespace automx2 {

// Built in two steps, so that the service can take its listening socket between them
// (a socket problem is reported before the database is touched). Not movable: the
// dispatcher refers to the parts beside it.
class Runtime {
  public:
    // Loads the configuration (`config_file`; empty: the SPEC §1 search order), sets the
    // log level and, `with_signer`, loads the signing certificate and key (SPEC §12; a
    // command that signs nothing leaves a broken key alone). Throws ConfigError.
    Runtime(const std::string& config_file, bool with_signer);
    ~Runtime();
    Runtime(const Runtime&) = delete;
    Runtime& operator=(const Runtime&) = delete;

    // Opens the database with `sessions` pooled sessions (creating missing tables and
    // upgrading old schemas, as open_sql_store does), the LDAP directory, the resolver
    // and the dispatcher. Throws what open_sql_store throws (BackendUnavailable,
    // ConfigError).
    void open_backends(std::size_t sessions);

    const Config& config() const { return config_; }
    ProfileSigner* signer() const { return signer_.get(); }
    // After open_backends():
    Store& store() const { return *store_; }
    const Dispatcher& dispatcher() const { return *dispatcher_; }

  private:
    Config config_;
    std::unique_ptr<ProfileSigner> signer_;  // null: profiles unsigned
    std::unique_ptr<Store> store_;
    std::unique_ptr<Directory> directory_;
    std::unique_ptr<Resolver> resolver_;
    std::unique_ptr<ResponseCache> cache_;  // null: response_cache = no
    std::unique_ptr<Dispatcher> dispatcher_;
};

// A command's runtime (one database session), or null with the reason on `err`:
// "automx2-fcgi: configuration error: …" or "automx2-fcgi: cannot open the database …".
std::unique_ptr<Runtime> open_command_runtime(const std::string& config_file, bool with_signer,
                                              std::ostream& err);

}  // namespace automx2
