// RecordWriter / RecordReader: the compact binary encoding of service records.
//
// Primitive encodings (stable; records built from them carry their own
// version byte, see object_records.h):
//   u8      one byte
//   varint  LEB128 unsigned, 7 bits per byte, low group first (≤ 10 bytes)
//   svarint zig-zag varint for signed values (timestamps before 1970)
//   bytes   varint length, then the bytes
// RecordReader is strict: truncation, an over-long varint or a length past the
// end make it fail, and every decode() then reports kCorruption.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace skyarray::services {

class RecordWriter {
 public:
  RecordWriter& u8(uint8_t v) {
    out_.push_back(static_cast<char>(v));
    return *this;
  }
  RecordWriter& varint(uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>((v & 0x7f) | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
    return *this;
  }
  RecordWriter& svarint(int64_t v) {
    return varint((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
  }
  RecordWriter& bytes(std::string_view s) {
    varint(s.size());
    out_.append(s);
    return *this;
  }
  std::string& str() { return out_; }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

class RecordReader {
 public:
  explicit RecordReader(std::string_view in) : in_(in) {}

  bool u8(uint8_t* v) {
    if (in_.empty()) return fail();
    *v = static_cast<uint8_t>(in_[0]);
    in_.remove_prefix(1);
    return true;
  }
  bool varint(uint64_t* v) {
    uint64_t r = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (in_.empty()) return fail();
      auto b = static_cast<uint8_t>(in_[0]);
      in_.remove_prefix(1);
      r |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        *v = r;
        return true;
      }
    }
    return fail();
  }
  bool svarint(int64_t* v) {
    uint64_t u;
    if (!varint(&u)) return false;
    *v = static_cast<int64_t>((u >> 1) ^ (~(u & 1) + 1));
    return true;
  }
  bool bytes(std::string* s) {
    uint64_t n;
    if (!varint(&n) || n > in_.size()) return fail();
    s->assign(in_.substr(0, n));
    in_.remove_prefix(n);
    return true;
  }
  template <typename T>
  bool uint(T* v) {
    uint64_t u;
    if (!varint(&u)) return false;
    *v = static_cast<T>(u);
    return true;
  }
  bool ok() const { return ok_; }
  bool done() const { return ok_ && in_.empty(); }

 private:
  bool fail() {
    ok_ = false;
    return false;
  }
  std::string_view in_;
  bool ok_ = true;
};

}  // namespace skyarray::services
