# Writes OUTPUT, a C++ file defining automx2::templates::get() over the files given in
# TEMPLATES (a ;-list of paths), each embedded as a raw string literal.
string(REPLACE "," ";" TEMPLATES "${TEMPLATES}")
set(body "")
foreach(path IN LISTS TEMPLATES)
    get_filename_component(name "${path}" NAME)
    file(READ "${path}" content)
    string(FIND "${content}" ")tpl\"" clash)
    if(NOT clash EQUAL -1)
        message(FATAL_ERROR "${path} contains the raw-string delimiter )tpl\"")
    endif()
    string(APPEND body "        {\"${name}\", R\"tpl(${content})tpl\"},\n")
endforeach()
file(WRITE "${OUTPUT}.tmp" "// Generated from templates/ by cmake/embed_templates.cmake: do not edit.
#include \"core/templates.h\"

#include <map>
#include <stdexcept>
#include <string>

namespace automx2::templates {

std::string_view get(std::string_view file_name) {
    static const std::map<std::string_view, std::string_view> files{
${body}    };
    auto found = files.find(file_name);
    if (found == files.end()) {
        throw std::out_of_range(\"no template named \" + std::string(file_name));
    }
    return found->second;
}

}  // namespace automx2::templates
")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
