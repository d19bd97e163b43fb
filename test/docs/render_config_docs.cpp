// Prints a document rendered from the configuration key table, for
// check_config_docs.py:  render_config_docs sample|man|readme|keys
// ("keys": one line per key, name TAB default).
#include <iostream>
#include <string_view>

#include "core/config_docs.h"

int main(int argc, char** argv) {
    const std::string_view what = argc == 2 ? argv[1] : "";
    if (what == "sample") {
        std::cout << automx2::render_sample_keys();
    } else if (what == "man") {
        std::cout << automx2::render_man_keys();
    } else if (what == "readme") {
        std::cout << automx2::render_readme_keys();
    } else if (what == "keys") {
        for (const auto& key : automx2::config_keys()) {
            std::cout << key.name << '\t' << key.default_text << '\n';
        }
    } else {
        std::cerr << "usage: render_config_docs sample|man|readme|keys\n";
        return 2;
    }
    return 0;
}
