// The few exception types that cross module boundaries. Each carries what its catcher
// needs: the status to answer and a message for the log (never for the client).
#pragma once

#include <stdexcept>
#include <string>

namespace automx2 {

// The request or the data it reaches is invalid: answer 400. The message may be shown
// to the client (it names the problem, never SQL or a stack).
class BadRequest : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// Invalid data in the database (unknown server type, unknown authentication): 400
// to the client, the message (naming the row) goes to the log.
class BadData : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// A backend (database, directory) is unreachable or timed out: answer 503. The message
// names the backend and the cause, never a password.
class BackendUnavailable : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// Configuration that cannot be used: stops start-up. The message names file, key, value.
class ConfigError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

}  // namespace automx2
