// LEB128 unsigned varints (7 bits per byte, low bits first), the integer
// encoding of the compact on-disk records (BlobRef, chunk records).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace skyarray {

inline void put_varint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

// Consumes one varint from the front of *in. False on truncation or on a
// value that does not fit 64 bits (then *in is left part-consumed).
inline bool get_varint(std::string_view* in, uint64_t* v) {
  uint64_t result = 0;
  for (int shift = 0; shift <= 63 && !in->empty(); shift += 7) {
    auto byte = static_cast<uint8_t>(in->front());
    in->remove_prefix(1);
    if (shift == 63 && byte > 1) return false;
    result |= static_cast<uint64_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) {
      *v = result;
      return true;
    }
  }
  return false;
}

}  // namespace skyarray
