// Helpers shared by the libFuzzer harnesses: splitting one fuzz input into fields, and
// failing loudly on a broken invariant (libFuzzer records the input as a crash).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

namespace automx2::fuzz {

// Fields are separated by the ASCII record separator (0x1e), which none of the inputs
// gives a meaning to, so corpus files stay readable. Missing fields are empty.
class Fields {
  public:
    static constexpr char separator = '\x1e';

    Fields(const std::uint8_t* data, std::size_t size)
        : rest_(reinterpret_cast<const char*>(data), size) {}

    std::string_view next() {
        std::size_t end = rest_.find(separator);
        std::string_view field = rest_.substr(0, end);
        rest_ = end == std::string_view::npos ? std::string_view{} : rest_.substr(end + 1);
        return field;
    }
    // Everything not yet taken (a body may contain the separator).
    std::string_view rest() const { return rest_; }

  private:
    std::string_view rest_;
};

[[noreturn]] inline void fail(const char* what, std::string_view detail = {}) {
    std::fprintf(stderr, "invariant broken: %s [%.*s]\n", what, static_cast<int>(detail.size()),
                 detail.data());
    std::abort();
}

inline void check(bool condition, const char* what, std::string_view detail = {}) {
    if (!condition)
        fail(what, detail);
}

}  // namespace automx2::fuzz
