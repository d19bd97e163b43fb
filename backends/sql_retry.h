// What a failed database call means and whether it is tried again: the one place that
// decides retries (SPEC §11). A connection found broken by a quick failure is a stale
// session (the server restarted since it was opened): a read is tried once more on a new
// connection. A call that used up the timeout is a timeout whatever the client library
// calls it (libmariadb reports a read timeout as "lost connection", the socket watchdog
// turns libpq's into one): trying again would only double the wait, so it is answered
// at once.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace automx2 {

enum class Failure {
    lost,         // the connection is unusable: drop the session, reconnect next time
    timed_out,    // no answer within the timeout: drop the session, never retry
    unavailable,  // busy, statement timeout, anything else the database refused: 503
    conflict,     // the data written conflicts with stored data (a constraint)
    // The server accepts no writes (a PostgreSQL hot standby, SQLSTATE 25006): the session
    // is dropped, so that the next write connects anew and finds the primary.
    read_only,
};

enum class Access {
    read,   // idempotent: retried once on a stale session
    write,  // never repeated
};

struct Operation {
    std::string_view name;  // for log lines and messages
    Access access;
    // A conflict is the request's fault: answered 400 with this text. Empty: 503.
    std::string_view conflict = {};
    // Needs the primary of a replicated database (writes always do): the management
    // API reads what its writes see, not a standby that may lag.
    bool primary = false;
};

namespace op {
inline constexpr Operation ensure_schema{"ensure_schema", Access::read};
inline constexpr Operation has_tables{"has_tables", Access::read};
inline constexpr Operation find_domain{"find_domain", Access::read};
inline constexpr Operation ldap_server_ids{"ldap_server_ids", Access::read};
inline constexpr Operation stats{"stats", Access::read};
inline constexpr Operation domain_names{"domain_names", Access::read};
inline constexpr Operation initialise{"initialise", Access::write,
                                      "seed data conflicts with data already stored"};
inline constexpr Operation purge{"purge", Access::write};
inline constexpr Operation apply_changes{"apply_changes", Access::write,
                                         "the change conflicts with data already stored"};
inline constexpr Operation list_domains{"list_domains", Access::read, {}, true};
inline constexpr Operation export_seeds{"export_seeds", Access::read, {}, true};
inline constexpr Operation read_domain{"read_domain", Access::read, {}, true};
inline constexpr Operation ping{"ping", Access::read};
}  // namespace op

// "database: OPERATION[ for domain DOMAIN]", the prefix of every message.
std::string describe(const Operation& operation, std::string_view domain);

// Throws what a failure that left the session usable becomes: BadRequest with the
// operation's conflict text, else BackendUnavailable(message).
[[noreturn]] void throw_failure(Failure failure, const Operation& operation,
                                const std::string& message);

// What the message of a failure that dropped its session adds (timed out, read-only, …).
const char* dropped_note(Failure failure);

class RetryPolicy {
  public:
    using Clock = std::chrono::steady_clock;

    explicit RetryPolicy(std::chrono::milliseconds timeout);

    // The failure as the caller must treat it: a connection lost after the attempt had
    // used (nearly) the whole timeout, or cut by the watchdog, timed out.
    Failure settle(Failure classified, std::chrono::milliseconds elapsed,
                   bool watchdog_fired) const;

    // The session cannot be used again.
    static bool drops_session(Failure failure) {
        return failure == Failure::lost || failure == Failure::timed_out ||
               failure == Failure::read_only;
    }

    // Whether attempt number `attempt` (0 first) is followed by another.
    static bool retry(const Operation& operation, Failure failure, int attempt,
                      bool reused_session) {
        return operation.access == Access::read && failure == Failure::lost && attempt == 0 &&
               reused_session;
    }

    // How long the watchdog lets one attempt wait on a silent server (libpq has no read
    // timeout). statement_timeout answers first while the server works; the watchdog
    // follows shortly after, so that a frozen server costs a read at most
    // timeout + kWatchdogGrace (within SPEC §11's timeout + 0.5 s). A write (a whole
    // seed) gets more room.
    std::chrono::milliseconds watchdog_limit(const Operation& operation) const;

    static constexpr std::chrono::milliseconds kWatchdogGrace{300};

  private:
    std::chrono::milliseconds timeout_;
};

}  // namespace automx2
