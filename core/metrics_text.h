// Prometheus' text exposition format, version 0.0.4: # HELP and # TYPE lines, then one
// line per sample. Knows the format, not what is measured (core/metrics_page.cpp).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace automx2::metrics {

inline constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

using Labels = std::vector<std::pair<std::string_view, std::string>>;

// A label value with \, " and a new line escaped (\\, \", \n).
std::string escape_label_value(std::string_view value);

// A sample value: integers exactly, others in the shortest form that reads back the
// same; +Inf, -Inf and NaN as Prometheus spells them.
std::string format_value(double value);

class TextWriter {
  public:
    // Starts a metric family; `type` is counter, gauge, histogram or untyped.
    void family(std::string_view name, std::string_view type, std::string_view help);
    void sample(std::string_view name, const Labels& labels, std::uint64_t value);
    void sample(std::string_view name, const Labels& labels, double value);
    // NAME_bucket (cumulative, le="+Inf" last), NAME_sum, NAME_count. `counts` are per
    // slot, not cumulative: one per bound, then one above every bound.
    void histogram(std::string_view name, const Labels& labels, std::span<const double> bounds,
                   std::span<const std::uint64_t> counts, double sum);

    const std::string& text() const { return text_; }

  private:
    void line(std::string_view name, const Labels& labels, std::string_view value);
    std::string text_;
};

}  // namespace automx2::metrics
