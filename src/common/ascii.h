// ASCII text helpers for protocol tokens: header and parameter names,
// numbers, enum words. Not for user text (keys, metadata values): those are
// bytes and are compared exactly.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace skyarray {

// 'A'..'Z' to 'a'..'z'; every other byte unchanged.
constexpr char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// ascii_lower() applied to every byte.
std::string ascii_lower(std::string_view s);

// True when `a` and `b` are equal ignoring ASCII case.
bool iequals(std::string_view a, std::string_view b);

// True when `s` starts with `prefix`, ignoring ASCII case.
bool istarts_with(std::string_view s, std::string_view prefix);

// `s` without the leading and trailing bytes found in `chars` (by default
// HTTP's optional whitespace: space and tab).
std::string_view trim(std::string_view s, std::string_view chars = " \t");

// A decimal number that fits in 64 bits, digits only: no sign, no spaces,
// no "0x", not empty. Anything else is nullopt.
std::optional<uint64_t> parse_u64(std::string_view s);

}  // namespace skyarray
