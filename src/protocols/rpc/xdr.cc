#include "protocols/rpc/xdr.h"

namespace skyarray::rpc {

namespace {
size_t padded(size_t n) {
  return (n + 3) & ~size_t(3);
}
}  // namespace

bool XdrDecoder::take(size_t n, std::string_view* out) {
  if (!ok_ || in_.size() - pos_ < n) {
    ok_ = false;
    *out = {};
    return false;
  }
  *out = in_.substr(pos_, n);
  pos_ += n;
  return true;
}

uint32_t XdrDecoder::u32() {
  std::string_view b;
  if (!take(4, &b)) return 0;
  return (uint32_t(uint8_t(b[0])) << 24) | (uint32_t(uint8_t(b[1])) << 16) |
         (uint32_t(uint8_t(b[2])) << 8) | uint32_t(uint8_t(b[3]));
}

uint64_t XdrDecoder::u64() {
  uint64_t hi = u32();
  uint64_t lo = u32();
  return (hi << 32) | lo;
}

bool XdrDecoder::boolean() {
  uint32_t v = u32();
  if (v > 1) ok_ = false;
  return v == 1;
}

std::string_view XdrDecoder::fixed(size_t n) {
  std::string_view b;
  if (!take(padded(n), &b)) return {};
  return b.substr(0, n);
}

std::string_view XdrDecoder::opaque(size_t max) {
  uint32_t n = u32();
  if (!ok_) return {};
  if (n > max) {
    ok_ = false;
    return {};
  }
  return fixed(n);
}

void XdrEncoder::u32(uint32_t v) {
  char b[4] = {char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
  out_.append(b, 4);
}

void XdrEncoder::u64(uint64_t v) {
  u32(static_cast<uint32_t>(v >> 32));
  u32(static_cast<uint32_t>(v));
}

void XdrEncoder::fixed(std::string_view bytes) {
  out_.append(bytes);
  out_.append(padded(bytes.size()) - bytes.size(), '\0');
}

void XdrEncoder::opaque(std::string_view bytes) {
  u32(static_cast<uint32_t>(bytes.size()));
  fixed(bytes);
}

void XdrEncoder::patch_u32(size_t at, uint32_t v) {
  if (at + 4 > out_.size()) return;
  out_[at] = char(v >> 24);
  out_[at + 1] = char(v >> 16);
  out_[at + 2] = char(v >> 8);
  out_[at + 3] = char(v);
}

}  // namespace skyarray::rpc
