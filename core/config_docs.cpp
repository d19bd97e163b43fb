#include "core/config_docs.h"

#include <string_view>

namespace automx2 {

namespace {

// The sample's lines stay within this, as the hand-written part above them does.
constexpr std::size_t sample_width = 89;

std::string default_or(const ConfigKey& key, std::string_view when_empty) {
    return std::string(key.default_text.empty() ? when_empty : key.default_text);
}

// "# " + paragraph, wrapped at spaces; a line starting with a space is kept as written.
void append_comment(std::string& out, std::string_view text) {
    while (!text.empty()) {
        const auto newline = text.find('\n');
        std::string_view line = text.substr(0, newline);
        text = newline == std::string_view::npos ? std::string_view() : text.substr(newline + 1);
        if (line.empty() || line.front() == ' ') {
            out += "#" + std::string(line.empty() ? "" : " ") + std::string(line) + "\n";
            continue;
        }
        std::string current = "#";
        while (!line.empty()) {
            const auto space = line.find(' ');
            const std::string_view word = line.substr(0, space);
            line = space == std::string_view::npos ? std::string_view() : line.substr(space + 1);
            if (current.size() > 1 && current.size() + 1 + word.size() > sample_width) {
                out += current + "\n";
                current = "#";
            }
            current += ' ';
            current += word;
        }
        out += current + "\n";
    }
}

// roff: a backslash is \e, a line must not start with a control character.
std::string roff(std::string_view text) {
    std::string out = (!text.empty() && (text.front() == '.' || text.front() == '\'')) ? "\\&" : "";
    for (char c : text) {
        if (c == '\\') {
            out += "\\e";
        } else if (c == '"') {
            out += "\\(dq";
        } else {
            out += c;
        }
    }
    return out;
}

std::string markdown_cell(std::string_view text) {
    std::string out;
    for (char c : text) {
        if (c == '|') {
            out += '\\';
        }
        out += c;
    }
    return out;
}

}  // namespace

std::string render_sample_keys(std::span<const ConfigKey> keys) {
    std::string out;
    std::string_view group;
    for (const auto& key : keys) {
        if (key.group != group && !key.group.empty()) {
            out += "\n# --- " + std::string(key.group) + " ---\n";
        }
        group = key.group;
        out += "\n";
        append_comment(out, key.sample);
        out += "# Default: " + default_or(key, "(empty)") + "\n";
        const bool off = key.default_text.empty() && !key.example.empty();
        const std::string_view value = key.example.empty() ? key.default_text : key.example;
        out += (off ? "#" : "") + std::string(key.name) + " =" +
               (value.empty() ? "" : " " + std::string(value)) + "\n";
    }
    return out;
}

std::string render_man_keys(std::span<const ConfigKey> keys) {
    std::string out;
    for (const auto& key : keys) {
        out += ".TP\n.BR " + std::string(key.name) + " \" (" + roff(default_or(key, "empty")) +
               ")\"\n" + roff(key.help) + "\n";
    }
    return out;
}

std::string render_readme_keys(std::span<const ConfigKey> keys) {
    // Blank lines around: the table sits between HTML comment markers.
    std::string out = "\n| key | default | meaning |\n|---|---|---|\n";
    for (const auto& key : keys) {
        const std::string shown =
            key.default_text.empty() ? "(empty)" : "`" + default_or(key, "") + "`";
        out += "| `" + std::string(key.name) + "` | " + shown + " | " + markdown_cell(key.help) +
               " |\n";
    }
    return out + "\n";
}

}  // namespace automx2
