// StoreCore: the store's chunks and the state that guards them, over the
// metadata store and the drives. Internal to store/.
//
// It holds what more than one part of the store must agree on:
//   - chunk ids: epoch (bumped at every open) << 32 | sequence. The open's
//     record (array id, the bumped epoch, the drive registry) is committed
//     before the first id is handed out, so ids stay unique across
//     restarts; opened on a full metadata volume that commit fails, no
//     chunk is written, and BlobStore's background loop retries it;
//   - the records of chunks written by finished writers and not yet known
//     to be in metadata ("pending"; stage_commit() copies them into the
//     caller's batch);
//   - garbage collection (one at a time) and the pins of open readers;
//   - per-chunk locks of repairs, read-repair itself, the counters, the
//     data loss log and the names of the objects chunks belong to.
// BlobStore, its writers (blob_writer.h) and readers (blob_reader.h) use it
// directly; the self-healing workers see it only as ChunkAccess.
//
// Thread safety: thread-safe. Methods that touch metadata or files block.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/mutex.h"
#include "drives/drive_set.h"
#include "meta/meta_store.h"
#include "store/blob_ref.h"
#include "store/chunk_access.h"
#include "store/chunk_owner_names.h"
#include "store/chunk_pins.h"
#include "store/chunk_record.h"
#include "store/data_loss_log.h"
#include "store/io_pool.h"
#include "store/placement.h"
#include "store/store_counters.h"
#include "store/store_options.h"
#include "store/verified_chunk_cache.h"

namespace skyarray {

class StoreCore final : public ChunkAccess {
 public:
  // Opens the drives of `options`, records the open (see above), re-applies
  // the operators' drive states, recovers every writable drive (temp files
  // and unreferenced chunk files removed), starts the I/O threads and loads
  // the data loss log. `meta` must outlive the core.
  static Result<std::unique_ptr<StoreCore>> open(const StoreOptions& options, MetaStore* meta);
  ~StoreCore() override;  // joins the I/O threads: every job has finished
  StoreCore(const StoreCore&) = delete;
  StoreCore& operator=(const StoreCore&) = delete;

  // ChunkAccess
  MetaStore& meta() override { return *meta_; }
  DriveSet& drives() override { return *drives_; }
  const StoreOptions& options() const override { return options_; }
  Result<ChunkRecord> chunk_record(uint64_t chunk_id) override EXCLUDES(pending_mu_);
  bool is_pending(uint64_t chunk_id) override EXCLUDES(pending_mu_);
  void forget_pending(uint64_t chunk_id) override EXCLUDES(pending_mu_);
  Result<PlacementDecision> place(int count, uint64_t file_size,
                                  const std::vector<uint32_t>& holders,
                                  const std::vector<DriveLabel>& existing) override;
  void remove_replicas(uint64_t chunk_id, const std::vector<uint32_t>& drive_ids) override;
  bool try_lock_chunk(uint64_t chunk_id) override EXCLUDES(repair_mu_);
  void unlock_chunk(uint64_t chunk_id) override EXCLUDES(repair_mu_);
  Status without_collection(const std::function<Status()>& fn) override EXCLUDES(gc_mu_);
  void count_checksum_mismatches(uint64_t blocks) override;
  void count_replica_repaired() override;
  uint64_t foreground_bytes() const override;
  std::string describe_chunk(uint64_t chunk_id, const ChunkOwner* owner) override;
  std::string record_loss(uint64_t chunk_id, const std::string& detail, bool by_read,
                          const ChunkOwner* owner) override;
  void clear_loss(uint64_t chunk_id) override;

  // --- Writers (blob_writer.cc)
  // kNoSpace while the open's record is not committed.
  Result<uint64_t> new_chunk_id();
  // Finished chunks: their records wait for stage_commit().
  void add_pending(const std::vector<std::pair<uint64_t, ChunkRecord>>& written)
      EXCLUDES(pending_mu_);

  // --- Readers (blob_reader.cc)
  // Each reader takes the next value: readers spread over the replicas.
  uint64_t next_read_rotation() { return read_rotation_.fetch_add(1); }
  // Read-repair: rewrites the replica on `bad` from a verified copy on
  // `good`. Runs on an I/O thread; failures are logged and counted.
  void repair_replica(uint64_t chunk_id, const ChunkRecord& record, uint32_t good, uint32_t bad);

  IoPool& io() { return *io_; }
  VerifiedChunkCache& verified() { return *verified_; }
  ChunkPins& pins() { return pins_; }
  StoreCounters& counters() { return counters_; }
  const StoreCounters& counters() const { return counters_; }

  // --- BlobStore (blob_store.h documents each)
  // A chunk written before one of its drives went offline (or draining)
  // and committed after is queued for re-replication: the rebuild that
  // scanned the records when the drive went may have run before it.
  Status stage_commit(MetaBatch* batch, const BlobRef& ref) EXCLUDES(pending_mu_);
  void stage_release(MetaBatch* batch, const BlobRef& ref);
  // Every drive in `drive_ids` is known and online or degraded.
  bool all_held(const std::vector<uint32_t>& drive_ids) const;
  void discard(const BlobRef& ref) EXCLUDES(pending_mu_);
  Result<uint64_t> collect_garbage() EXCLUDES(gc_mu_, pending_mu_);
  // Commits the open's record when it is not yet (a full metadata volume
  // at open): chunk writes resume once it succeeds.
  bool startup_saved() const { return startup_saved_.load(std::memory_order_acquire); }
  Status save_startup() EXCLUDES(startup_mu_);
  // Removes temp files, and chunk files that no record places on this
  // drive; sets the drive's used bytes.
  Status recover_drive(Drive& drive);
  void set_owner_names(std::shared_ptr<const ChunkOwnerNames> names) EXCLUDES(names_mu_);
  std::vector<LostChunk> losses() const { return losses_->list(); }

 private:
  StoreCore(const StoreOptions& options, MetaStore* meta) : options_(options), meta_(meta) {}
  // open()'s steps: the drives and the chunk id epoch, then the operators'
  // drive states.
  Status open_drives();
  void apply_drive_states();
  Status recover();
  std::vector<PlacementCandidate> candidates() const;
  // What the chunk belongs to, named by names_ from its owner (the
  // caller's, else the one its replicas' sound headers give); empty when
  // unknown. Blocking.
  std::string object_name(uint64_t chunk_id, const ChunkOwner* owner) EXCLUDES(names_mu_);
  // One batch of collect_garbage(): up to 4096 GC queue entries from `from`
  // (moved past them). Adds the chunks removed to `removed`; false when the
  // queue has no more.
  Result<bool> collect_batch(std::string* from, uint64_t* removed) REQUIRES(gc_mu_);
  // Adds to `batch` the collection of chunk `id` (its GC queue entries
  // `keys`) unless it is still referenced or pinned. A claimed chunk goes
  // into `claimed`, with its replicas into `doomed` when it has a record.
  Status stage_collection(uint64_t id, const std::vector<std::string>& keys, MetaBatch* batch,
                          std::vector<std::pair<uint64_t, std::vector<uint32_t>>>* doomed,
                          std::vector<uint64_t>* claimed) REQUIRES(gc_mu_);
  // Pending records that reached metadata no longer need to be remembered.
  Status drop_committed_pending() REQUIRES(gc_mu_) EXCLUDES(pending_mu_);

  const StoreOptions options_;
  MetaStore* const meta_;
  std::unique_ptr<DriveSet> drives_;
  Placement placement_;
  std::unique_ptr<IoPool> io_;
  std::unique_ptr<VerifiedChunkCache> verified_;  // blocks checked once, sent many times
  std::unique_ptr<DataLossLog> losses_;
  StoreCounters counters_;

  std::string array_id_;
  uint64_t epoch_ = 0;
  std::atomic<uint64_t> next_chunk_id_{0};
  std::atomic<uint64_t> gc_seq_{0};
  std::atomic<uint64_t> read_rotation_{0};
  Mutex startup_mu_;  // one commit of the open's record at a time
  std::atomic<bool> startup_saved_{false};

  Mutex pending_mu_;
  std::map<uint64_t, ChunkRecord> pending_ GUARDED_BY(pending_mu_);

  Mutex gc_mu_;     // one collection at a time; see without_collection()
  ChunkPins pins_;  // chunks open readers read: never collected under them

  Mutex repair_mu_;
  std::set<uint64_t> repairing_ GUARDED_BY(repair_mu_);  // chunks locked by ChunkLock

  mutable Mutex names_mu_;
  std::shared_ptr<const ChunkOwnerNames> names_ GUARDED_BY(names_mu_);
};

}  // namespace skyarray
