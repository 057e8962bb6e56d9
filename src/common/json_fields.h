// Lenient field reads for JSON records and request bodies: a missing or
// mistyped field reads as the default, so records written before a field
// existed still load.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace skyarray::json_fields {

inline std::string string_of(const boost::json::object& o, std::string_view k) {
  const auto* v = o.if_contains(k);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

inline bool bool_of(const boost::json::object& o, std::string_view k, bool dflt) {
  const auto* v = o.if_contains(k);
  return v && v->is_bool() ? v->as_bool() : dflt;
}

inline int64_t int_of(const boost::json::object& o, std::string_view k, int64_t dflt = 0) {
  const auto* v = o.if_contains(k);
  if (v && v->is_int64()) return v->as_int64();
  if (v && v->is_uint64()) return static_cast<int64_t>(v->as_uint64());
  return dflt;
}

// Negative values read as 0.
inline uint64_t uint_of(const boost::json::object& o, std::string_view k) {
  const auto* v = o.if_contains(k);
  if (v && v->is_uint64()) return v->as_uint64();
  if (v && v->is_int64() && v->as_int64() > 0) return static_cast<uint64_t>(v->as_int64());
  return 0;
}

// The string members of an object field (others skipped).
inline std::map<std::string, std::string> string_map_of(const boost::json::object& o,
                                                        std::string_view k) {
  std::map<std::string, std::string> out;
  const auto* v = o.if_contains(k);
  if (!v || !v->is_object()) return out;
  for (const auto& [name, val] : v->as_object()) {
    if (val.is_string()) out[std::string(name)] = std::string(val.as_string());
  }
  return out;
}

// The string elements of an array field (others skipped).
inline std::vector<std::string> strings_of(const boost::json::object& o, std::string_view k) {
  std::vector<std::string> out;
  const auto* v = o.if_contains(k);
  if (!v || !v->is_array()) return out;
  for (const auto& e : v->as_array()) {
    if (e.is_string()) out.emplace_back(e.as_string());
  }
  return out;
}

}  // namespace skyarray::json_fields
