// KeyCodec: order-preserving encoding of metadata keys.
//
// RocksDB compares keys as raw bytes, so every composite key is built from
// pieces whose byte order equals their logical order. Listing then becomes a
// range scan (DESIGN.md: `bucket\0key\0inverted-version`).
//
// Encoding, format version 1 (stored keys depend on it; never change it in
// place — a new version needs a new key space):
//   string : each byte as is, except 0x00 written as 0x00 0xFF; then the
//            terminator 0x00 0x01. So "a" < "a\0b" < "ab" holds after
//            encoding, and no encoded string is a prefix of another.
//   u64    : 8 bytes big-endian.
//   inverted u64: 8 bytes big-endian of ~v, so larger values (newer
//            versions) sort first.
//   string prefix: a string's escaped bytes without the terminator: every key
//            whose string piece starts with those bytes shares it as a prefix.
//
// Example: the objects key of version 42 of "photos/a.dcm" in bucket "pacs":
//   KeyCodec().add_string("pacs").add_string("photos/a.dcm").add_inverted_u64(42).key()
// All versions of that object: scan the prefix
//   KeyCodec().add_string("pacs").add_string("photos/a.dcm").key()
// All objects under "photos/": scan the prefix
//   KeyCodec().add_string("pacs").add_string_prefix("photos/").key()
//
// Thread safety: a KeyCodec / KeyReader is a plain value; no shared state.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace skyarray {

class KeyCodec {
 public:
  KeyCodec() = default;
  explicit KeyCodec(std::string start) : key_(std::move(start)) {}

  // A raw tag byte or bytes, e.g. a record kind; written as is.
  KeyCodec& add_raw(std::string_view bytes);
  KeyCodec& add_string(std::string_view s);
  KeyCodec& add_string_prefix(std::string_view s);
  KeyCodec& add_u64(uint64_t v);
  KeyCodec& add_inverted_u64(uint64_t v);

  const std::string& key() const& { return key_; }
  std::string key() && { return std::move(key_); }

  // The smallest key greater than every key starting with `prefix`, for an
  // exclusive upper scan bound; empty when there is none (prefix all 0xFF).
  static std::string prefix_end(std::string_view prefix);
  // Appends one piece to `out` (the builders above use these).
  static void append_string(std::string* out, std::string_view s);
  static void append_u64(std::string* out, uint64_t v);

 private:
  std::string key_;
};

// Reads pieces back in the order they were added. Each read returns false
// (and leaves the reader unusable) when the input is malformed or too short.
// The reader views the key: the key's bytes must outlive it.
class KeyReader {
 public:
  explicit KeyReader(std::string_view key) : in_(key) {}

  bool skip_raw(std::string_view expected);
  bool read_string(std::string* out);
  bool read_u64(uint64_t* out);
  bool read_inverted_u64(uint64_t* out);

  std::string_view rest() const { return in_; }
  bool done() const { return in_.empty(); }

 private:
  std::string_view in_;
};

}  // namespace skyarray
