#include "core/pages/qr_svg.h"

#include <qrencode.h>

#include <charconv>
#include <memory>

namespace automx2::pages {
namespace {

struct QrFree {
    void operator()(QRcode* code) const { QRcode_free(code); }
};

constexpr int kQuiet = 4;  // ISO/IEC 18004: four modules of light margin

}  // namespace

std::optional<std::string> qr_svg(std::string_view data, std::string_view title_markup) {
    const std::string text(data);  // libqrencode wants a C string
    std::unique_ptr<QRcode, QrFree> code(
        QRcode_encodeString(text.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1));
    if (!code) {
        return std::nullopt;
    }
    const int width = code->width;
    std::string svg;
    // About 20 bytes per run of dark modules, a run every ~3 modules on average.
    svg.reserve(512 + title_markup.size() + static_cast<std::size_t>(width) * width * 7);
    auto number = [&svg](int value) {
        char digits[12];
        auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
        svg.append(digits, end);
    };
    const int size = width + 2 * kQuiet;
    svg += "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"qr\" viewBox=\"0 0 ";
    number(size);
    svg += ' ';
    number(size);
    svg +=
        "\" shape-rendering=\"crispEdges\" role=\"img\" aria-labelledby=\"qr-title\">"
        "<title id=\"qr-title\">";
    svg += title_markup;
    svg += "</title><rect width=\"";
    number(size);
    svg += "\" height=\"";
    number(size);
    svg += "\" fill=\"#fff\"/><path fill=\"#000\" d=\"";
    // One subpath per horizontal run of dark modules keeps the markup small.
    for (int y = 0; y < width; ++y) {
        const unsigned char* row = code->data + static_cast<std::ptrdiff_t>(y) * width;
        for (int x = 0; x < width;) {
            if ((row[x] & 1) == 0) {
                ++x;
                continue;
            }
            int run = 1;
            while (x + run < width && (row[x + run] & 1) != 0)
                ++run;
            svg += 'M';
            number(x + kQuiet);
            svg += ' ';
            number(y + kQuiet);
            svg += 'h';
            number(run);
            svg += "v1h-";
            number(run);
            svg += 'z';
            x += run;
        }
    }
    svg += "\"/></svg>";
    return svg;
}

}  // namespace automx2::pages
