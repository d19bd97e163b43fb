// RAII and small helpers over libxml2's tree API, shared by the document builders and
// the Autodiscover request parser.
#pragma once

#include <libxml/parser.h>
#include <libxml/tree.h>

#include <memory>
#include <string>
#include <string_view>

namespace automx2::xml {

struct DocFree {
    void operator()(xmlDoc* doc) const noexcept { xmlFreeDoc(doc); }
};
using Doc = std::unique_ptr<xmlDoc, DocFree>;

// A fresh copy of the parsed skeleton templates/<file_name> (parsed once per process,
// without network, DTD loading or entity substitution).
Doc from_template(std::string_view file_name);

// Parses untrusted input: no network, no DTD loading, no entity substitution, size
// limits on; a document with a DOCTYPE is refused. nullptr when it is not well-formed
// or is refused.
Doc parse_untrusted(std::string_view text);

// Appends <name>text</name> (text escaped by libxml2) to `parent`, in parent's
// namespace; returns the new element. Bytes of `text` that are not valid UTF-8 or not
// XML 1.0 characters (C0 controls but tab, LF, CR) become U+FFFD.
xmlNode* add_child(xmlNode* parent, std::string_view name, std::string_view text = {});

// First child element with local name `name`, whatever its namespace; nullptr if none.
xmlNode* first_child(xmlNode* parent, std::string_view name);

// The element's text content (concatenated), empty when none.
std::string text(const xmlNode* node);

// The first element (in document order) with local name `name`; nullptr if none.
xmlNode* find_element(xmlNode* root, std::string_view name);

// Serialises with an XML declaration (UTF-8), indented.
std::string to_string(xmlDoc* doc);

}  // namespace automx2::xml
