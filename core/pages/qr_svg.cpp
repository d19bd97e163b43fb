#include "core/pages/qr_svg.h"

#include <qrencode.h>

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
    const std::string size = std::to_string(width + 2 * kQuiet);
    std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"qr\" viewBox=\"0 0 " +
                      size + " " + size +
                      "\" shape-rendering=\"crispEdges\" role=\"img\" aria-labelledby=\"qr-title\">"
                      "<title id=\"qr-title\">";
    svg += title_markup;
    svg += "</title><rect width=\"" + size + "\" height=\"" + size +
           "\" fill=\"#fff\"/><path fill=\"#000\" d=\"";
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
            svg += "M" + std::to_string(x + kQuiet) + " " + std::to_string(y + kQuiet) + "h" +
                   std::to_string(run) + "v1h-" + std::to_string(run) + "z";
            x += run;
        }
    }
    svg += "\"/></svg>";
    return svg;
}

}  // namespace automx2::pages
