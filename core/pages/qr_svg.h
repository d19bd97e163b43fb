// A QR code as SVG markup (libqrencode), for the setup page's profile link.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace automx2::pages {

// An <svg> element showing `data` as a QR code (error correction M, 4-module quiet
// zone, one <path>), with `title_markup` (already escaped) as its accessible name.
// nullopt when the data does not fit a QR code.
std::optional<std::string> qr_svg(std::string_view data, std::string_view title_markup);

}  // namespace automx2::pages
