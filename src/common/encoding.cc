#include "common/encoding.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace skyarray {
namespace {

// EVP_EncodeBlock/EVP_DecodeBlock take an int length: feed them slices that
// are whole base64 groups (3 bytes <-> 4 characters).
constexpr size_t kSliceBytes = size_t{3} << 28;
constexpr size_t kSliceChars = size_t{4} << 28;

// 0..63 for an alphabet character, -1 for anything else ('=' included).
int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') {
    return c - 'A';
  }
  if (c >= 'a' && c <= 'z') {
    return c - 'a' + 26;
  }
  if (c >= '0' && c <= '9') {
    return c - '0' + 52;
  }
  if (c == '+') {
    return 62;
  }
  if (c == '/') {
    return 63;
  }
  return -1;
}

// EVP_DecodeBlock alone is lenient (it skips surrounding whitespace, accepts
// '=' anywhere in a group, ignores non-zero pad bits), so the canonical form
// is checked here first. Returns the number of padding characters, or -1.
int canonical_base64_padding(std::string_view text) {
  if (text.size() % 4 != 0) {
    return -1;
  }
  size_t pad = 0;
  while (pad < 2 && pad < text.size() && text[text.size() - 1 - pad] == '=') {
    ++pad;
  }
  const size_t data_chars = text.size() - pad;
  for (size_t i = 0; i < data_chars; ++i) {
    if (base64_value(text[i]) < 0) {
      return -1;
    }
  }
  if (pad > 0) {
    // "xx==" carries 8 bits in 12, "xxx=" 16 in 18: the unused low bits of
    // the last character must be zero.
    const int last = base64_value(text[data_chars - 1]);
    const int unused_mask = (pad == 2) ? 0x0F : 0x03;
    if (last & unused_mask) {
      return -1;
    }
  }
  return static_cast<int>(pad);
}

}  // namespace

int hex_digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string base64_encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  auto* dst = reinterpret_cast<unsigned char*>(out.data());
  auto* src = reinterpret_cast<const unsigned char*>(bytes.data());
  size_t left = bytes.size();
  while (left > 0) {
    const size_t slice = std::min(left, kSliceBytes);
    dst += EVP_EncodeBlock(dst, src, static_cast<int>(slice));
    src += slice;
    left -= slice;
  }
  return out;
}

Result<std::string> base64_decode(std::string_view text) {
  const int pad = canonical_base64_padding(text);
  if (pad < 0) {
    return Status::invalid_argument("malformed base64");
  }
  // EVP_DecodeBlock writes 3 bytes per group, padding included.
  std::string out(text.size() / 4 * 3, '\0');
  auto* dst = reinterpret_cast<unsigned char*>(out.data());
  auto* src = reinterpret_cast<const unsigned char*>(text.data());
  size_t left = text.size();
  while (left > 0) {
    const size_t slice = std::min(left, kSliceChars);
    const int written = EVP_DecodeBlock(dst, src, static_cast<int>(slice));
    if (written < 0) {
      return Status::invalid_argument("malformed base64");
    }
    dst += written;
    src += slice;
    left -= slice;
  }
  out.resize(out.size() - static_cast<size_t>(pad));
  return out;
}

std::string hex_encode(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * bytes.size());
  for (char c : bytes) {
    const auto b = static_cast<uint8_t>(c);
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0x0F]);
  }
  return out;
}

std::string hex_u64(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

std::optional<uint64_t> parse_hex_u64(std::string_view text) {
  if (text.size() != 16) return std::nullopt;
  uint64_t v = 0;
  for (char c : text) {
    int d;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      d = c - 'a' + 10;
    } else {
      return std::nullopt;
    }
    v = (v << 4) | static_cast<uint64_t>(d);
  }
  return v;
}

Result<std::string> hex_decode(std::string_view text) {
  if (text.size() % 2 != 0) {
    return Status::invalid_argument("hex string has an odd length");
  }
  std::string out(text.size() / 2, '\0');
  for (size_t i = 0; i < out.size(); ++i) {
    const int hi = hex_digit_value(text[2 * i]);
    const int lo = hex_digit_value(text[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      return Status::invalid_argument("malformed hex string");
    }
    out[i] = static_cast<char>(hi << 4 | lo);
  }
  return out;
}

}  // namespace skyarray
