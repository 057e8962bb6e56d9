// ChunkRecord: the metadata of one chunk (MetaCf::kChunks), internal to store/.
//
// Keys in MetaCf::kChunks (format version 1):
//   "c" + u64 chunk id (big-endian)  → ChunkRecord::encode()
//   "r" + u64 chunk id               → reference count (MetaBatch::add counter)
// Keys in MetaCf::kQueues:
//   "gc/" + u64 chunk id + u64 seq   → "" : the chunk lost a reference
// Keys in MetaCf::kDrives:
//   "array" → array id; "next_drive_id" → decimal; "chunk_epoch" → decimal;
//   "drive/" + u64 id → "path\nlabel"
//   "drive-state/" + u64 id → "draining" (operator state, absent = online)
//
// Record encoding, version 1:
//   byte version = 1; varint length; varint replicas wanted; varint replica
//   count; varint drive id per replica; varint block count; u32
//   little-endian CRC32C per 64 KiB block.
// A chunk committed with fewer replicas than wanted also gets
//   MetaCf::kQueues "rr/" + u64 chunk id → "" (re-replication queue)
// in the same batch, so the shortfall survives restarts until a rebuild
// adds the missing replicas.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace skyarray {

struct ChunkRecord {
  uint64_t length = 0;
  uint32_t wanted = 0;  // replicas asked for; drives.size() may be fewer
  std::vector<uint32_t> drives;
  std::vector<uint32_t> block_crcs;

  std::string encode() const;
  static Result<ChunkRecord> decode(std::string_view bytes);

  static std::string record_key(uint64_t chunk_id);
  static std::string refcount_key(uint64_t chunk_id);
  static std::string gc_key(uint64_t chunk_id, uint64_t seq);
  static std::string rereplicate_key(uint64_t chunk_id);
  static constexpr std::string_view kGcPrefix = "gc/";
};

}  // namespace skyarray
