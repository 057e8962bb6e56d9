// ChunkAccess: the store's chunks as its self-healing workers see them.
// Internal to store/.
//
// The rebuild worker (rebuilder.h), the scrubber (scrubber.h) and the
// replica check they share (replica_check.h) read and rewrite replica files
// through drives/chunk_file.h and read chunk records from metadata
// themselves; what they need of the store's own state goes through this
// interface: the records of chunks written but not yet committed, placement
// of new replicas, per-chunk locks against concurrent repairs, exclusion of
// garbage collection while a record is rewritten, and health reporting
// (counters, the data loss log, object names). StoreCore implements it; the
// workers never see StoreCore, so store/ has no cycle between the state
// and the workers it owns.
//
// Thread safety: every method may be called from any thread. Methods that
// read metadata or files block.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/status.h"
#include "drives/chunk_file.h"
#include "drives/drive.h"
#include "store/chunk_record.h"
#include "store/placement.h"

namespace skyarray {

class DriveSet;
class MetaStore;
struct StoreOptions;

class ChunkAccess {
 public:
  virtual ~ChunkAccess() = default;

  // The layers the chunks live in (metadata records and queues, drives),
  // and the store's configuration.
  virtual MetaStore& meta() = 0;
  virtual DriveSet& drives() = 0;
  virtual const StoreOptions& options() const = 0;

  // --- Locating chunks
  // The chunk's record: a writer's not yet committed one first, then the
  // one in metadata. kNotFound when neither exists.
  virtual Result<ChunkRecord> chunk_record(uint64_t chunk_id) = 0;
  // A writer finished the chunk and its commit may be in flight: its files
  // are not orphans even though no record places them yet.
  virtual bool is_pending(uint64_t chunk_id) = 0;
  // The chunk's record is in metadata now (a rebuild recorded it): the
  // writer's copy must never be committed over it.
  virtual void forget_pending(uint64_t chunk_id) = 0;

  // --- Placing and removing replicas
  // Drives for `count` more replicas of `file_size` bytes each, never one
  // of `holders` and away from the failure domains of `existing` (the
  // labels of the copies the chunk keeps). Placement's rules and errors.
  virtual Result<PlacementDecision> place(int count, uint64_t file_size,
                                          const std::vector<uint32_t>& holders,
                                          const std::vector<DriveLabel>& existing) = 0;
  // Removes the chunk's replica files from `drive_ids` (and what the
  // verified cache holds of it).
  virtual void remove_replicas(uint64_t chunk_id, const std::vector<uint32_t>& drive_ids) = 0;

  // --- Exclusion
  // The right to rewrite one chunk's replicas or record (read-repair,
  // rebuild, scrub repair); false when another holder has it. Use ChunkLock
  // (chunk_lock.h) rather than these two.
  virtual bool try_lock_chunk(uint64_t chunk_id) = 0;
  virtual void unlock_chunk(uint64_t chunk_id) = 0;
  // Runs `fn` while no garbage collection runs, so a record read and
  // recommitted inside `fn` cannot be collected in between (a collected
  // chunk is never resurrected). Returns fn's status.
  virtual Status without_collection(const std::function<Status()>& fn) = 0;

  // --- Health
  virtual void count_checksum_mismatches(uint64_t blocks) = 0;
  virtual void count_replica_repaired() = 0;
  // Bytes read and written by clients since open (paces the scrubber).
  virtual uint64_t foreground_bytes() const = 0;
  // "chunk <id hex> of <object name>", or "chunk <id hex>", naming the
  // object from `owner` when given, else from the replicas' headers.
  virtual std::string describe_chunk(uint64_t chunk_id, const ChunkOwner* owner) = 0;
  // Records a block of the chunk that no replica serves (data_loss_log.h),
  // logged with the object's name the first time; returns the chunk's
  // description. `by_read`: a client read met it (counted).
  virtual std::string record_loss(uint64_t chunk_id, const std::string& detail, bool by_read,
                                  const ChunkOwner* owner) = 0;
  // The chunk is whole again (a drive with a good copy came back).
  virtual void clear_loss(uint64_t chunk_id) = 0;
};

}  // namespace skyarray
