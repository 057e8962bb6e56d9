// BlobRef: where the bytes of one object (version, part, block run) live.
//
// A blob is a sequence of segments; each is either a range of an immutable
// chunk (chunk id, offset, length) or inline bytes kept in the ref itself
// (small objects, DESIGN.md: "stored inline in RocksDB"). Because chunks are
// immutable and reference counted, concatenating refs (multipart complete,
// append) and slicing them (copy of a range) are metadata-only operations.
//
// Encoding, version 1 (services store it inside their own records):
//   byte    version = 1
//   varint  segment count
//   per segment:
//     byte  kind: 1 = chunk extent, 2 = inline
//     kind 1: varint chunk id, varint offset, varint length
//     kind 2: varint length, then `length` bytes
// varint = LEB128 unsigned (7 bits per byte, low first). decode() refuses an
// unknown version/kind, truncation, trailing bytes and zero-length segments.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/status.h"

namespace skyarray {

struct ChunkExtent {
  uint64_t chunk_id = 0;
  uint64_t offset = 0;  // within the chunk's data
  uint64_t length = 0;
  bool operator==(const ChunkExtent&) const = default;
};

class BlobRef {
 public:
  using Segment = std::variant<ChunkExtent, std::string>;  // extent or inline bytes
  static constexpr uint8_t kFormatVersion = 1;

  BlobRef() = default;  // the empty blob (0 bytes)
  static BlobRef inline_bytes(std::string bytes);

  uint64_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const std::vector<Segment>& segments() const { return segments_; }
  // True when no segment refers to a chunk.
  bool is_inline() const;
  // Distinct chunk ids, each once, in first-use order.
  std::vector<uint64_t> chunk_ids() const;

  // Appends a segment (merging with the previous one when contiguous).
  // Zero-length segments are ignored.
  void append(Segment segment);
  // Appends all of `other`: multipart complete and append are this.
  void append(const BlobRef& other);
  // The bytes [offset, offset + length) of this blob; kOutOfRange when
  // beyond size().
  Result<BlobRef> slice(uint64_t offset, uint64_t length) const;

  std::string encode() const;
  static Result<BlobRef> decode(std::string_view bytes);

  bool operator==(const BlobRef&) const = default;

 private:
  std::vector<Segment> segments_;
  uint64_t size_ = 0;
};

}  // namespace skyarray
