// StoreCore: state shared by the store, its writers and readers.
// Internal to store/.
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "meta/meta_store.h"
#include "store/blob_store.h"
#include "store/chunk_owner_names.h"
#include "store/chunk_pins.h"
#include "store/chunk_record.h"
#include "store/data_loss_log.h"
#include "store/io_pool.h"
#include "store/placement.h"
#include "store/verified_chunk_cache.h"

namespace skyarray {

struct StoreCounters {
  std::atomic<uint64_t> chunks_written{0};
  std::atomic<uint64_t> under_replicated_writes{0};
  std::atomic<uint64_t> shared_domain_writes{0};
  std::atomic<uint64_t> read_failovers{0};
  std::atomic<uint64_t> checksum_mismatches{0};
  std::atomic<uint64_t> chunks_collected{0};
  std::atomic<uint64_t> orphans_removed{0};
  std::atomic<uint64_t> replicas_repaired{0};
  std::atomic<uint64_t> data_loss_reads{0};   // reads that met a block no replica serves
  std::atomic<uint64_t> foreground_bytes{0};  // read + written by clients: paces the scrubber
};

class MetaProtection;
class Rebuilder;
class Scrubber;

struct StoreCore {
  StoreOptions options;
  MetaStore* meta = nullptr;
  std::unique_ptr<DriveSet> drives;
  Placement placement;
  std::unique_ptr<IoPool> io;
  std::unique_ptr<VerifiedChunkCache> verified;  // blocks checked once, sent many times
  StoreCounters counters;

  // Chunk ids: epoch (bumped at every open) << 32 | sequence.
  std::atomic<uint64_t> next_chunk_id{0};
  // The open's record (array id, the bumped epoch, the drive registry) is
  // committed before the first chunk id is handed out, so that ids stay
  // unique across restarts. Opened on a full metadata volume, that commit
  // fails; the background loop retries it and no chunk is written until
  // it succeeds.
  std::string array_id;
  uint64_t epoch = 0;
  std::mutex startup_mu;
  std::atomic<bool> startup_saved{false};
  Status save_startup();
  std::atomic<uint64_t> gc_seq{0};
  std::atomic<uint64_t> read_rotation{0};  // spreads readers over replicas (blob_reader.cc)

  // Chunks written by finished writers and not yet known to be recorded in
  // metadata; stage_commit() copies their records into batches.
  std::mutex pending_mu;
  std::map<uint64_t, ChunkRecord> pending;

  std::mutex gc_mu;  // one collection at a time
  ChunkPins pins;    // chunks open readers read: never collected under them

  std::mutex bg_mu;
  std::condition_variable bg_cv;
  bool bg_stop = false;
  std::thread bg;
  BlobStore* owner = nullptr;  // for the background thread

  // kNoSpace while the open's record is not committed (see startup_saved).
  Result<uint64_t> new_chunk_id();
  // Drive candidates for placement, from the current drive states.
  std::vector<PlacementCandidate> candidates() const;
  // The record of a chunk: pending first, then metadata.
  Result<ChunkRecord> chunk_record(uint64_t chunk_id);
  // Removes a chunk's replicas from their drives.
  void remove_replicas(uint64_t chunk_id, const std::vector<uint32_t>& drive_ids);

  // Read-repair: rewrites the replica on `bad` from a verified copy on
  // `good`. Runs on an I/O thread; failures are logged and counted.
  void repair_replica(uint64_t chunk_id, const ChunkRecord& record, uint32_t good, uint32_t bad);
  std::mutex repair_mu;
  std::set<uint64_t> repairing;  // chunks being repaired, rebuilt or scrubbed

  // Data loss found by reads and scrubs (data_loss_log.h), and who names
  // the objects chunks belong to (set by the service that writes them).
  std::unique_ptr<DataLossLog> losses;
  mutable std::mutex names_mu;
  std::shared_ptr<const ChunkOwnerNames> names;
  // What the chunk belongs to, named by `names` from its owner (the
  // caller's, else the one its replicas' sound headers give); empty when
  // unknown. Blocking.
  std::string object_name(uint64_t chunk_id, const ChunkOwner* owner = nullptr);
  // "chunk <id hex> of <object name>", or "chunk <id hex>". Blocking.
  std::string describe_chunk(uint64_t chunk_id, const ChunkOwner* owner = nullptr);
  // Records a block of the chunk that no replica serves (DataLossLog) and
  // logs it with the object's name the first time. Returns the chunk's
  // description. Blocking.
  std::string record_loss(uint64_t chunk_id, const std::string& detail, bool by_read,
                          const ChunkOwner* owner = nullptr);

  std::unique_ptr<Rebuilder> rebuilder;
  std::unique_ptr<Scrubber> scrubber;
  std::unique_ptr<MetaProtection> protection;  // checkpoints and metadata journal

  Status recover();
  Status recover_drive(Drive& drive);
  void background_loop();
};

// Exclusive right to rewrite one chunk's replicas or record (read-repair,
// rebuild, scrub repair). Not blocking: owned() is false when another
// holder has it, and the caller retries later.
class ChunkLock {
 public:
  ChunkLock(StoreCore* core, uint64_t chunk_id) : core_(core), id_(chunk_id) {
    std::lock_guard lock(core_->repair_mu);
    owned_ = core_->repairing.insert(id_).second;
  }
  ~ChunkLock() {
    if (!owned_) return;
    std::lock_guard lock(core_->repair_mu);
    core_->repairing.erase(id_);
  }
  ChunkLock(const ChunkLock&) = delete;
  ChunkLock& operator=(const ChunkLock&) = delete;
  bool owned() const { return owned_; }

 private:
  StoreCore* core_;
  uint64_t id_;
  bool owned_ = false;
};

}  // namespace skyarray

namespace skyarray {

std::unique_ptr<BlobWriter> make_blob_writer(StoreCore* store, const WriteOptions& options);
// kNotFound when a chunk of `range` is being collected (the blob was deleted).
Result<std::unique_ptr<BlobReader>> make_blob_reader(StoreCore* store, BlobRef range);

}  // namespace skyarray
