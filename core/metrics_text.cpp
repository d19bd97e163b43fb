#include "core/metrics_text.h"

#include <charconv>
#include <cmath>
#include <stdexcept>

namespace automx2::metrics {
namespace {

// HELP text: \ and a new line escaped (quotes stay as they are there).
std::string escape_help(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

}  // namespace

std::string escape_label_value(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (char c : value) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '"') {
            out += "\\\"";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

std::string format_value(double value) {
    if (std::isnan(value)) {
        return "NaN";
    }
    if (std::isinf(value)) {
        return value > 0 ? "+Inf" : "-Inf";
    }
    char buffer[64];
    // Plain decimals where they are short (0.0001 rather than 1e-04: bucket bounds read
    // as people write them); the shortest form that reads back the same elsewhere.
    const double magnitude = std::fabs(value);
    const bool plain = magnitude == 0 || (magnitude >= 1e-6 && magnitude < 1e15);
    const auto [end, error] =
        plain ? std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::fixed)
              : std::to_chars(buffer, buffer + sizeof buffer, value);
    if (error != std::errc{}) {
        throw std::runtime_error("metrics: cannot format a value");
    }
    return {buffer, end};
}

void TextWriter::family(std::string_view name, std::string_view type, std::string_view help) {
    text_ += "# HELP ";
    text_ += name;
    text_ += ' ';
    text_ += escape_help(help);
    text_ += "\n# TYPE ";
    text_ += name;
    text_ += ' ';
    text_ += type;
    text_ += '\n';
}

void TextWriter::line(std::string_view name, const Labels& labels, std::string_view value) {
    text_ += name;
    if (!labels.empty()) {
        text_ += '{';
        bool first = true;
        for (const auto& [label, label_value] : labels) {
            if (!first) {
                text_ += ',';
            }
            first = false;
            text_ += label;
            text_ += "=\"";
            text_ += escape_label_value(label_value);
            text_ += '"';
        }
        text_ += '}';
    }
    text_ += ' ';
    text_ += value;
    text_ += '\n';
}

void TextWriter::sample(std::string_view name, const Labels& labels, std::uint64_t value) {
    line(name, labels, std::to_string(value));
}

void TextWriter::sample(std::string_view name, const Labels& labels, double value) {
    line(name, labels, format_value(value));
}

void TextWriter::histogram(std::string_view name, const Labels& labels,
                           std::span<const double> bounds, std::span<const std::uint64_t> counts,
                           double sum) {
    const std::string bucket = std::string(name) + "_bucket";
    Labels with_le = labels;
    with_le.emplace_back("le", "");
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < counts.size(); ++i) {
        cumulative += counts[i];
        // Slots beyond the bounds all count towards +Inf.
        if (i < bounds.size()) {
            with_le.back().second = format_value(bounds[i]);
            line(bucket, with_le, std::to_string(cumulative));
        }
    }
    with_le.back().second = "+Inf";
    line(bucket, with_le, std::to_string(cumulative));
    line(std::string(name) + "_sum", labels, format_value(sum));
    line(std::string(name) + "_count", labels, std::to_string(cumulative));
}

}  // namespace automx2::metrics
