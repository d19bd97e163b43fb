// The standard process metrics of GET /metrics, from Linux's /proc.
#pragma once

#include <optional>

#include "core/metrics_page.h"

namespace automx2 {

// CPU time, memory, file descriptors and start time of this process; nullopt when
// /proc cannot be read.
std::optional<metrics::ProcessStats> read_process_stats();

}  // namespace automx2
