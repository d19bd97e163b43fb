// Reading back the documents the builders write, for the builder tests.
#pragma once

#include <libxml/parser.h>
#include <libxml/tree.h>

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

namespace automx2::test {

struct DocFree {
    void operator()(xmlDoc* d) const { xmlFreeDoc(d); }
};
using Doc = std::unique_ptr<xmlDoc, DocFree>;

inline Doc parse(const std::string& text) {
    Doc doc(xmlReadMemory(text.data(), static_cast<int>(text.size()), nullptr, nullptr,
                          XML_PARSE_NONET | XML_PARSE_NOBLANKS));
    REQUIRE(doc);
    return doc;
}

// Child elements in document order (text and comments skipped).
inline std::vector<xmlNode*> elements(xmlNode* parent) {
    std::vector<xmlNode*> out;
    for (xmlNode* n = parent->children; n != nullptr; n = n->next) {
        if (n->type == XML_ELEMENT_NODE) {
            out.push_back(n);
        }
    }
    return out;
}

inline std::string name(xmlNode* n) {
    return reinterpret_cast<const char*>(n->name);
}

inline std::string text(xmlNode* node) {
    xmlChar* c = xmlNodeGetContent(node);
    std::string s = c ? reinterpret_cast<const char*>(c) : "";
    xmlFree(c);
    return s;
}

}  // namespace automx2::test
