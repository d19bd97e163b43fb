// db_echo (automx2's key): every statement logged at INFO, before it runs.
#pragma once

#include <soci/soci.h>

#include <string>

#include "core/log.h"

namespace automx2 {

// db_echo: the statement text only. Bound values are never passed to a logger.
class EchoLogger : public soci::logger_impl {
  public:
    void start_query(const std::string& query) override { log::info("SQL: " + query); }

  private:
    soci::logger_impl* do_clone() const override { return new EchoLogger; }
};

}  // namespace automx2
