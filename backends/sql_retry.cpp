#include "backends/sql_retry.h"

#include <algorithm>

#include "core/errors.h"
#include "core/log.h"
#include "core/metrics.h"

namespace automx2 {

std::string describe(const Operation& operation, std::string_view domain) {
    std::string text = "database: ";
    text += operation.name;
    if (!domain.empty()) {
        text += " for domain ";
        text += domain;
    }
    return text;
}

void throw_failure(Failure failure, const Operation& operation, const std::string& message) {
    if (failure == Failure::conflict && !operation.conflict.empty()) {
        log::warning(message);
        throw BadRequest(std::string(operation.conflict));
    }
    metrics::registry().fault(metrics::Backend::database, metrics::Fault::error);
    throw BackendUnavailable(message);
}

const char* dropped_note(Failure failure) {
    switch (failure) {
        case Failure::timed_out:
            return " (timed out; session dropped)";
        case Failure::read_only:
            return " (the server is read-only, a standby: writes need the primary; session "
                   "dropped)";
        default:
            return " (session dropped, will reconnect)";
    }
}

RetryPolicy::RetryPolicy(std::chrono::milliseconds timeout)
    : timeout_(std::max(timeout, std::chrono::milliseconds(1))) {}

Failure RetryPolicy::settle(Failure classified, std::chrono::milliseconds elapsed,
                            bool watchdog_fired) const {
    if (classified != Failure::lost) {
        return classified;
    }
    // libmariadb's read timeout is whole seconds (at least the timeout); a tenth of
    // slack for timers that fire a little early.
    if (watchdog_fired || elapsed >= timeout_ - timeout_ / 10) {
        return Failure::timed_out;
    }
    return Failure::lost;
}

std::chrono::milliseconds RetryPolicy::watchdog_limit(const Operation& operation) const {
    if (operation.access == Access::write) {
        return 10 * std::max(timeout_, std::chrono::milliseconds(1000));
    }
    return timeout_ + kWatchdogGrace;
}

}  // namespace automx2
