// Reading back the zone-file text of the DNS zone builder and the `dns` command.
#pragma once

#include <catch2/catch.hpp>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

namespace automx2::test {

using Rr = std::tuple<std::string, std::string, std::string>;  // owner, type, data

// The records of a snippet, comments dropped, white space collapsed.
inline std::vector<Rr> records(const std::string& text) {
    std::vector<Rr> out;
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        if (line.empty() || line[0] == ';')
            continue;
        std::istringstream words(line);
        std::string owner, type, word, data;
        words >> owner >> type;
        // The class may be left out (RFC 1035 §5.1), as pacc_txt_record does; only IN.
        if (type == "IN")
            words >> type;
        REQUIRE(type != "CH");
        REQUIRE(type != "HS");
        while (words >> word)
            data += (data.empty() ? "" : " ") + word;
        out.emplace_back(owner, type, data);
    }
    return out;
}

inline std::vector<std::string> comments(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        if (!line.empty() && line[0] == ';')
            out.push_back(line);
    }
    return out;
}

}  // namespace automx2::test
