// The retry policy (backends/sql_retry.h): a stale session is retried once, a timeout
// never (issue 11: a timeout is not a stale connection).
#include <catch2/catch.hpp>
#include <string>

#include "backends/sql_retry.h"

using automx2::dropped_note;
using automx2::Failure;
using automx2::RetryPolicy;
namespace op = automx2::op;
using namespace std::chrono_literals;

TEST_CASE("a quick lost connection is stale: one retry for a read", "[retry]") {
    const RetryPolicy policy(2000ms);
    const Failure f = policy.settle(Failure::lost, 5ms, false);
    CHECK(f == Failure::lost);
    CHECK(RetryPolicy::drops_session(f));
    CHECK(RetryPolicy::retry(op::find_domain, f, 0, true));
    CHECK_FALSE(RetryPolicy::retry(op::find_domain, f, 1, true));   // once only
    CHECK_FALSE(RetryPolicy::retry(op::find_domain, f, 0, false));  // a new session failed
    CHECK_FALSE(RetryPolicy::retry(op::initialise, f, 0, true));    // writes never repeat
    CHECK_FALSE(RetryPolicy::retry(op::purge, f, 0, true));
}

TEST_CASE("a lost connection after the whole timeout timed out: no retry", "[retry]") {
    const RetryPolicy policy(2000ms);
    // libmariadb's read_timeout ends in "lost connection" after the timeout.
    CHECK(policy.settle(Failure::lost, 2001ms, false) == Failure::timed_out);
    CHECK(policy.settle(Failure::lost, 1900ms, false) == Failure::timed_out);
    // The watchdog shut libpq's socket down.
    CHECK(policy.settle(Failure::lost, 10ms, true) == Failure::timed_out);
    CHECK(RetryPolicy::drops_session(Failure::timed_out));
    CHECK_FALSE(RetryPolicy::retry(op::find_domain, Failure::timed_out, 0, true));
}

TEST_CASE("refusals keep the session and are not retried", "[retry]") {
    const RetryPolicy policy(2000ms);
    for (Failure f : {Failure::unavailable, Failure::conflict}) {
        CHECK(policy.settle(f, 3000ms, false) == f);
        CHECK_FALSE(RetryPolicy::drops_session(f));
        CHECK_FALSE(RetryPolicy::retry(op::find_domain, f, 0, true));
    }
    CHECK(op::initialise.conflict == "seed data conflicts with data already stored");
    CHECK(op::purge.conflict.empty());
}

TEST_CASE("the watchdog bounds a read within the timeout plus half a second", "[retry]") {
    const RetryPolicy policy(2000ms);
    CHECK(policy.watchdog_limit(op::find_domain) > 2000ms);
    CHECK(policy.watchdog_limit(op::find_domain) <= 2500ms);
    CHECK(policy.watchdog_limit(op::initialise) >= 10000ms);
}

TEST_CASE("a read-only server (a standby) drops the session, the write is not repeated",
          "[retry]") {
    const RetryPolicy policy(2000ms);
    CHECK(policy.settle(Failure::read_only, 5ms, false) == Failure::read_only);
    CHECK(RetryPolicy::drops_session(Failure::read_only));
    CHECK_FALSE(RetryPolicy::retry(op::apply_changes, Failure::read_only, 0, true));
    CHECK_FALSE(RetryPolicy::retry(op::initialise, Failure::read_only, 0, true));
    CHECK(std::string(dropped_note(Failure::read_only)).find("standby") != std::string::npos);
    CHECK(std::string(dropped_note(Failure::timed_out)).find("timed out") != std::string::npos);
}

TEST_CASE("the management API reads where it writes (the primary)", "[retry]") {
    for (const auto* operation : {&op::read_domain, &op::list_domains, &op::export_seeds}) {
        CHECK(operation->primary);
        CHECK(operation->access == automx2::Access::read);  // a stale session is retried
    }
    CHECK_FALSE(op::find_domain.primary);  // lookups: any host, a standby too
}
