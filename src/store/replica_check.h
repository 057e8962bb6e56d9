// ReplicaCheck: reads replicas of one chunk, verifies every 64 KiB block
// against the chunk record's CRC32C, and assembles one verified copy from
// the good blocks of any replica. Shared by the scrubber (which checks
// every replica) and the rebuild worker (which stops at the first complete
// copy). Internal to store/.
//
// Assembling per block means a chunk whose replicas are each damaged in
// different blocks is still recovered whole: only a block that is bad on
// every replica is lost, and then `complete` is false and no copy is made.
// Blocking (disk reads); runs on background or I/O threads.
#pragma once

#include <cstdint>
#include <vector>

#include "common/buffer.h"
#include "common/status.h"
#include "drives/chunk_file.h"
#include "store/chunk_record.h"

namespace skyarray {

struct StoreCore;
class Drive;

struct ReplicaFinding {
  uint32_t drive_id = 0;
  bool checked = false;     // the replica was read (the drive was readable)
  bool missing = false;     // file absent or unreadable
  bool header_bad = false;  // header unreadable, or disagrees with the record
  std::vector<uint32_t> bad_blocks;
  bool healthy() const { return checked && !missing && !header_bad && bad_blocks.empty(); }
};

struct ReplicaCheck {
  std::vector<ReplicaFinding> replicas;  // one per replica read, in reading order
  Buffer data;                           // the verified chunk when complete (see `reuse`)
  bool complete = false;                 // every block has a good copy in `data`
  uint64_t bytes_read = 0;
  // From the first replica whose header agrees with the record: a copy made
  // from `data` keeps naming the chunk's owner.
  ChunkOwner owner;

  // Reads replicas from `sources` in order. With `all` false, stops as soon
  // as every block has a good copy and does not check headers (rebuild);
  // with `all` true, reads and checks every source (scrub).
  // `reuse` (optional) lends two buffers kept across calls by a long-lived
  // caller: fresh multi-MiB buffers per chunk cost page faults that would
  // dominate a scrub. Give them back with `reuse[0] = std::move(check.data)`.
  static ReplicaCheck run(StoreCore* core, uint64_t chunk_id, const ChunkRecord& record,
                          const std::vector<Drive*>& sources, bool all, Buffer* reuse = nullptr);
};

}  // namespace skyarray
