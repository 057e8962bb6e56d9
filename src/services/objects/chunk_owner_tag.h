// ChunkOwnerTag: the owner tag the object service gives the store for the
// chunk files of an object's or a part's data (WriteOptions::owner; the
// store writes it into every chunk header, drives/chunk_file.h). It lets
// metadata recovery say which object a chunk file with no metadata record
// belongs to.
//
// Encoding (record_codec.h primitives): u8 version (1), bytes bucket,
// bytes key, varint write_ns, bytes upload_id, varint part_number. Under
// 2 KiB for any valid bucket and key.
//
// The version id is not known while the data is written: it is assigned at
// commit (its seq, shown as 16 hex digits, is the commit time or later).
// write_ns is when the write began, so the version a chunk belongs to is
// the one of bucket/key with seq >= write_ns whose BlobRef lists the chunk.
// Versioning-suspended and unversioned buckets use the version id "null".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace skyarray::services {

struct ChunkOwnerTag {
  std::string bucket;
  std::string key;
  uint64_t write_ns = 0;     // wall-clock ns when the write began
  std::string upload_id;     // a multipart part: its upload ...
  uint32_t part_number = 0;  // ... and part number; empty / 0 for an object

  std::string encode() const;
  // kCorruption for anything but a complete version-1 tag.
  static Result<ChunkOwnerTag> decode(std::string_view tag);

  bool operator==(const ChunkOwnerTag&) const = default;
};

}  // namespace skyarray::services
