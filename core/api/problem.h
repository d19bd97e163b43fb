// RFC 9457 problem documents (application/problem+json) for the management API.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/http.h"

namespace automx2::api {

struct FieldError {
    std::string pointer;  // RFC 6901 JSON pointer into the request body ("" for the whole)
    std::string detail;
};

// A request the API refuses, with its status; thrown inside the API, answered once.
class Problem : public std::runtime_error {
  public:
    Problem(int status, const std::string& detail, std::vector<FieldError> errors = {})
        : std::runtime_error(detail), status_(status), errors_(std::move(errors)) {}
    int status() const { return status_; }
    const std::vector<FieldError>& errors() const { return errors_; }

  private:
    int status_;
    std::vector<FieldError> errors_;
};

Response problem_response(int status, std::string_view detail,
                          const std::vector<FieldError>& errors = {});

// A BadRequest of the seed parser ("bad seed: servers[2].port must be …") as a field
// error: the path before the first space or colon becomes a JSON pointer.
FieldError field_error(std::string_view message, std::string_view pointer_prefix = {});

// "servers[2].port" → "/servers/2/port".
std::string json_pointer(std::string_view path);

}  // namespace automx2::api
