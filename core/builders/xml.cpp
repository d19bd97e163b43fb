#include "core/builders/xml.h"

#include <algorithm>
#include <climits>
#include <map>
#include <mutex>
#include <stdexcept>

#include "core/templates.h"
#include "core/utf8.h"

namespace automx2::xml {

namespace {

struct XmlFree {
    void operator()(void* p) const noexcept { xmlFree(p); }
};
using XmlString = std::unique_ptr<xmlChar, XmlFree>;

// libxml2 2.9 wants xmlInitParser() once before it is used from several threads.
void ensure_initialised() {
    static const bool initialised = [] {
        xmlInitParser();
        return true;
    }();
    (void)initialised;
}

const xmlChar* as_xml(const std::string& s) {
    return reinterpret_cast<const xmlChar*>(s.c_str());
}

// Text of an element must be UTF-8 made of XML 1.0 characters, or the document is not
// well-formed (libxml2 copies bytes as given and writes C0 controls as &#1;, which XML
// 1.0 forbids too). Client input (a Mobileconfig `name`) and database values may hold
// anything: each offending byte or sequence becomes U+FFFD. Found by fuzz_dispatcher.
std::string xml_safe_text(std::string_view text) {
    static constexpr std::string_view replacement = "\xef\xbf\xbd";
    std::string out;
    out.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        auto point = utf8::decode(text, i);
        const char32_t c = point ? point->value : 0;
        const bool xml_char = c == 0x9 || c == 0xa || c == 0xd || (c >= 0x20 && c <= 0xd7ff) ||
                              (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff);
        if (point && xml_char) {
            out.append(text.substr(i, point->length));
            i += point->length;
        } else {
            out.append(replacement);
            ++i;
        }
    }
    return out;
}

bool local_name_is(const xmlNode* node, std::string_view name) {
    if (node == nullptr || node->type != XML_ELEMENT_NODE || node->name == nullptr) {
        return false;
    }
    return std::string_view(reinterpret_cast<const char*>(node->name)) == name;
}

bool contains_ignoring_case(std::string_view haystack, std::string_view needle) {
    auto it = std::search(
        haystack.begin(), haystack.end(), needle.begin(), needle.end(), [](char a, char b) {
            auto up = [](char c) { return (c >= 'a' && c <= 'z') ? char(c - 'a' + 'A') : c; };
            return up(a) == up(b);
        });
    return it != haystack.end();
}

// No network, no DTD loading or attribute defaults, no entity substitution; errors are
// not printed (NOERROR/NOWARNING are per parse, unlike the global error handlers).
constexpr int kSafeOptions = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING;

}  // namespace

Doc from_template(std::string_view file_name) {
    ensure_initialised();
    static std::mutex mutex;
    static std::map<std::string, Doc, std::less<>> parsed;

    std::lock_guard lock(mutex);
    auto found = parsed.find(file_name);
    if (found == parsed.end()) {
        std::string_view text = templates::get(file_name);
        // The skeletons are ours and trusted, but parsed just as carefully; blanks are
        // dropped so that the serialiser can indent what the builders add. NODICT keeps
        // every string owned by the tree, so copies share nothing with it.
        Doc doc(xmlReadMemory(text.data(), static_cast<int>(text.size()),
                              std::string(file_name).c_str(), "UTF-8",
                              kSafeOptions | XML_PARSE_NOBLANKS | XML_PARSE_NODICT));
        if (!doc || xmlDocGetRootElement(doc.get()) == nullptr) {
            throw std::logic_error("template " + std::string(file_name) + " is not well-formed");
        }
        found = parsed.emplace(std::string(file_name), std::move(doc)).first;
    }
    Doc copy(xmlCopyDoc(found->second.get(), 1));
    if (!copy) {
        throw std::bad_alloc();
    }
    return copy;
}

Doc parse_untrusted(std::string_view text) {
    ensure_initialised();
    // Refused before libxml2 sees them: a DTD is the door to entity expansion and
    // external fetches (XXE), and no legitimate Autodiscover request has one. A NUL
    // byte means a UTF-16/32 body that the textual check cannot see into.
    if (text.empty() || text.size() > static_cast<std::size_t>(INT_MAX) ||
        text.find('\0') != std::string_view::npos || contains_ignoring_case(text, "<!DOCTYPE") ||
        contains_ignoring_case(text, "<!ENTITY")) {
        return nullptr;
    }
    Doc doc(
        xmlReadMemory(text.data(), static_cast<int>(text.size()), nullptr, nullptr, kSafeOptions));
    if (!doc || doc->intSubset != nullptr || doc->extSubset != nullptr ||
        xmlDocGetRootElement(doc.get()) == nullptr) {
        return nullptr;
    }
    return doc;
}

xmlNode* add_child(xmlNode* parent, std::string_view name, std::string_view text) {
    const std::string name_copy(name);
    const std::string text_copy = xml_safe_text(text);
    // xmlNewTextChild escapes the content (xmlNewChild would take it as markup).
    xmlNode* child = xmlNewTextChild(parent, parent->ns, as_xml(name_copy),
                                     text.empty() ? nullptr : as_xml(text_copy));
    if (child == nullptr) {
        throw std::bad_alloc();
    }
    return child;
}

xmlNode* first_child(xmlNode* parent, std::string_view name) {
    if (parent == nullptr) {
        return nullptr;
    }
    for (xmlNode* node = parent->children; node != nullptr; node = node->next) {
        if (local_name_is(node, name)) {
            return node;
        }
    }
    return nullptr;
}

std::string text(const xmlNode* node) {
    if (node == nullptr) {
        return {};
    }
    XmlString content(xmlNodeGetContent(node));
    if (!content) {
        return {};
    }
    return std::string(reinterpret_cast<const char*>(content.get()));
}

xmlNode* find_element(xmlNode* root, std::string_view name) {
    if (root == nullptr) {
        return nullptr;
    }
    if (local_name_is(root, name)) {
        return root;
    }
    for (xmlNode* child = root->children; child != nullptr; child = child->next) {
        if (child->type == XML_ELEMENT_NODE) {
            if (xmlNode* found = find_element(child, name)) {
                return found;
            }
        }
    }
    return nullptr;
}

std::string to_string(xmlDoc* doc) {
    xmlChar* raw = nullptr;
    int size = 0;
    xmlDocDumpFormatMemoryEnc(doc, &raw, &size, "UTF-8", 1);
    XmlString owned(raw);
    if (!owned || size < 0) {
        throw std::bad_alloc();
    }
    return std::string(reinterpret_cast<const char*>(owned.get()), static_cast<std::size_t>(size));
}

}  // namespace automx2::xml
