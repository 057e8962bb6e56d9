// The strict reading of S3 request bodies that every parser shares
// (s3_xml.cc, s3_lifecycle_xml.cc): the document and its root, allowed
// children, leaf text. Every failure is MalformedXML. Internal to
// protocols/s3.
#pragma once

#include <initializer_list>
#include <optional>
#include <pugixml.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace skyarray::s3 {

// MalformedXML with S3's wording and `why`.
Status malformed(std::string why);
// Local name without a namespace prefix.
std::string_view local_name(const pugi::xml_node& n);
// Parses the whole document and returns its root element, checking its name
// (a namespace prefix or xmlns attribute is accepted).
Result<pugi::xml_node> load_root(pugi::xml_document& doc, std::string_view xml,
                                 std::string_view root_name);
// Only element children named in `allowed`; text between them whitespace.
Status check_children(const pugi::xml_node& parent,
                      std::initializer_list<std::string_view> allowed);
// The first child element named `name`, or every one.
std::optional<pugi::xml_node> child(const pugi::xml_node& parent, std::string_view name);
std::vector<pugi::xml_node> children(const pugi::xml_node& parent, std::string_view name);
// Text content of a leaf element (no child elements allowed).
Result<std::string> text(const pugi::xml_node& n);
// XML text around a value: spaces, tabs and line breaks.
std::string_view trim_xml(std::string_view s);
// true/false (any of three spellings S3 clients send).
Result<bool> parse_bool(std::string_view s);

}  // namespace skyarray::s3
