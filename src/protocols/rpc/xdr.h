// XDR (RFC 4506) encoding and decoding: big-endian 32-bit units, 64-bit
// hypers, opaque data and strings padded to a multiple of four bytes.
//
// XdrDecoder never reads past its input: a short or malformed input makes
// it fail (ok() false) and every later read returns zero/empty, so a
// procedure decodes all its arguments and checks ok() once at the end
// (GARBAGE_ARGS when false). Variable-length items carry a caller-given
// limit; a longer one fails the decoder instead of allocating.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace skyarray::rpc {

class XdrDecoder {
 public:
  explicit XdrDecoder(std::string_view in) : in_(in) {}

  uint32_t u32();
  int32_t i32() { return static_cast<int32_t>(u32()); }
  uint64_t u64();
  bool boolean();  // 0 or 1; anything else fails
  // Fixed-length opaque of n bytes (plus padding).
  std::string_view fixed(size_t n);
  // Variable-length opaque or string of at most `max` bytes.
  std::string_view opaque(size_t max);
  std::string string(size_t max) { return std::string(opaque(max)); }

  bool ok() const { return ok_; }
  void fail() { ok_ = false; }
  size_t remaining() const { return ok_ ? in_.size() - pos_ : 0; }
  // The bytes not read yet.
  std::string_view rest() const { return ok_ ? in_.substr(pos_) : std::string_view(); }

 private:
  bool take(size_t n, std::string_view* out);

  std::string_view in_;
  size_t pos_ = 0;
  bool ok_ = true;
};

class XdrEncoder {
 public:
  void u32(uint32_t v);
  void i32(int32_t v) { u32(static_cast<uint32_t>(v)); }
  void u64(uint64_t v);
  void boolean(bool v) { u32(v ? 1 : 0); }
  void fixed(std::string_view bytes);   // no length, padded
  void opaque(std::string_view bytes);  // length, bytes, padding
  void string(std::string_view s) { opaque(s); }

  const std::string& data() const { return out_; }
  std::string take() { return std::move(out_); }
  size_t size() const { return out_.size(); }
  // Overwrites a u32 written earlier at byte offset `at` (a count known later).
  void patch_u32(size_t at, uint32_t v);

 private:
  std::string out_;
};

}  // namespace skyarray::rpc
