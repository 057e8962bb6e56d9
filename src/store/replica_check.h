// ReplicaCheck: reads replicas of one chunk, verifies every 64 KiB block
// against the chunk record's CRC32C, and assembles one verified copy from
// the good blocks of any replica. Shared by the scrubber (which checks
// every replica) and the rebuild worker (which stops at the first complete
// copy). Internal to store/.
//
// Assembling per block means a chunk whose replicas are each damaged in
// different blocks is still recovered whole: only a block that is bad on
// every replica is lost, and then `complete` is false and no copy is made.
//
// Owner: every copy a repair or rebuild writes carries the owner (tag, index,
// offset; drives/chunk_file.h) that the replicas' headers agree on, chosen by
// choose_owner(). A replica whose header is damaged, or names another owner
// than the others (a copy written without it), is not trusted for it, and
// the scrubber counts and rewrites it as a bad header.
// Blocking (disk reads); runs on background or I/O threads.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "common/buffer.h"
#include "common/status.h"
#include "drives/chunk_file.h"
#include "store/chunk_record.h"

namespace skyarray {

class ChunkAccess;
class Drive;

struct ReplicaFinding {
  uint32_t drive_id = 0;
  bool checked = false;        // the replica was read (the drive was readable)
  bool missing = false;        // file absent or unreadable
  bool header_bad = false;     // header unreadable, or disagrees with the record or the owner
  bool owner_differs = false;  // header sound, but names another owner than the chunk's
  std::vector<uint32_t> bad_blocks;
  bool healthy() const { return checked && !missing && !header_bad && bad_blocks.empty(); }
};

struct ReplicaCheck {
  std::vector<ReplicaFinding> replicas;  // one per replica read, in reading order
  Buffer data;                           // the verified chunk when complete (see `reuse`)
  bool complete = false;                 // every block has a good copy in `data`
  std::vector<uint32_t> lost_blocks;     // blocks with no good copy on any replica read
  uint64_t bytes_read = 0;
  // The owner the sound headers agree on (choose_owner()): a copy made from
  // `data` keeps naming the chunk's owner. Empty when no header is sound.
  ChunkOwner owner;
  bool owner_known = false;

  // Reads replicas from `sources` in order. With `all` false, stops as soon
  // as every block has a good copy and does not check headers (rebuild);
  // with `all` true, reads and checks every source (scrub).
  // `reuse` (optional) lends two buffers kept across calls by a long-lived
  // caller: fresh multi-MiB buffers per chunk cost page faults that would
  // dominate a scrub. Give them back with `reuse[0] = std::move(check.data)`.
  // Checksum mismatches are counted through `chunks`.
  static ReplicaCheck run(ChunkAccess* chunks, uint64_t chunk_id, const ChunkRecord& record,
                          const std::vector<Drive*>& sources, bool all, Buffer* reuse = nullptr);

  // The owner of a replica's header, when the header reads and agrees with
  // the record (chunk id, length, block CRCs).
  static std::optional<ChunkOwner> header_owner(Drive& drive, uint64_t chunk_id,
                                                const ChunkRecord& record);
  // The chunk's owner among its replicas' sound header owners: an owner
  // naming something (a tag, or a position past the first chunk) wins over
  // an empty one, which only a copy that lost it carries beside it; among
  // those, the most common, and the first one on a tie. nullopt when
  // `owners` is empty.
  static std::optional<ChunkOwner> choose_owner(const std::vector<ChunkOwner>& owners);
  // choose_owner() over the headers of the readable drives in `sources`.
  static std::optional<ChunkOwner> owner_of(uint64_t chunk_id, const ChunkRecord& record,
                                            const std::vector<Drive*>& sources);

 private:
  // Sets `owner`: with `all`, from the headers read (`owners`, one per
  // replica), marking those that name another; else from owner_of().
  void settle_owner(uint64_t chunk_id, const ChunkRecord& record,
                    const std::vector<Drive*>& sources, bool all,
                    const std::vector<std::optional<ChunkOwner>>& owners);
};

}  // namespace skyarray
