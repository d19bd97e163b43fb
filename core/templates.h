// The constant parts of what the service emits, compiled in from templates/ so that
// the binary runs on its own.
#pragma once

#include <string_view>

namespace automx2::templates {

// The text of templates/<file_name>; throws std::out_of_range for an unknown name
// (a programming error, caught by the unit tests).
std::string_view get(std::string_view file_name);

}  // namespace automx2::templates
