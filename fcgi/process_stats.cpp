#include "fcgi/process_stats.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace automx2 {
namespace {

// Seconds since the epoch at boot (/proc/stat btime): start times count from there.
std::optional<double> boot_time() {
    std::ifstream in("/proc/stat");
    std::string word;
    while (in >> word) {
        if (word == "btime") {
            double seconds = 0;
            if (in >> seconds)
                return seconds;
            return std::nullopt;
        }
    }
    return std::nullopt;
}

std::optional<double> open_fds() {
    DIR* dir = opendir("/proc/self/fd");
    if (dir == nullptr)
        return std::nullopt;
    double count = 0;
    while (const dirent* entry = readdir(dir)) {
        if (entry->d_name[0] != '.')
            ++count;
    }
    closedir(dir);
    return count - 1;  // the directory's own descriptor
}

}  // namespace

std::optional<metrics::ProcessStats> read_process_stats() {
    std::ifstream in("/proc/self/stat");
    std::string line;
    if (!std::getline(in, line))
        return std::nullopt;
    // The command name (field 2) is in parentheses and may hold spaces: fields are
    // counted after its closing one.
    const auto close = line.rfind(')');
    if (close == std::string::npos)
        return std::nullopt;
    std::istringstream fields(line.substr(close + 2));
    std::vector<std::string> field;  // field[0] is field 3 (state)
    for (std::string f; fields >> f;)
        field.push_back(f);
    if (field.size() < 22)
        return std::nullopt;
    const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
    const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
    metrics::ProcessStats stats;
    try {
        stats.cpu_seconds = (std::stod(field[11]) + std::stod(field[12])) / ticks;  // 14, 15
        stats.virtual_bytes = std::stod(field[20]);                                 // 23
        stats.resident_bytes = std::stod(field[21]) * page;                         // 24
        stats.start_time_seconds = boot_time().value_or(0) + std::stod(field[19]) / ticks;  // 22
    } catch (const std::exception&) {
        return std::nullopt;
    }
    stats.open_fds = open_fds().value_or(0);
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
        stats.max_fds = limit.rlim_cur == RLIM_INFINITY ? 0 : static_cast<double>(limit.rlim_cur);
    }
    return stats;
}

}  // namespace automx2
