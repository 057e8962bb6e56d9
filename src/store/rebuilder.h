// Rebuilder: the re-replication worker. Restores every chunk to its wanted
// number of replicas after a drive fails, goes missing or is drained.
//
// Work comes from the durable queue MetaCf::kQueues "rr/" + u64 chunk id
// (chunk_record.h): entries are written by the committing batch of an
// under-replicated write, by enqueue_drive() when a drive is failed,
// drained or found offline, and by the scrubber. An entry is erased in the
// same commit that records the chunk's new replicas, so a crash at any point
// leaves either the old record (and the entry: the work is redone; the new
// file is an orphan that startup removes) or the new record.
//
// One pass (run_pass): reads the queue, orders chunks by surviving copies
// (fewest first: a chunk down to one copy is rebuilt before one down to
// two), and re-replicates them in parallel on the store's I/O threads: each
// chunk is read from any readable replica (rotating, so all surviving drives
// serve as sources), verified block by block against its record, and
// written to drives chosen by Placement away from the failure domains of
// the surviving copies (so all drives serve as targets). Bytes written go
// through a shared RateLimiter (`rebuild_rate`).
//
// Draining has no window of reduced redundancy: the copy on a draining
// drive stays in the record, and readable, until the commit that adds its
// replacement; only then is it dropped and its file removed. Copies on
// offline drives are dropped from the record by the same commit; when such a
// drive returns, startup recovery (and set_drive_state online) removes its
// files that no record places there any more, and its remaining copies are
// still CRC-verified on every read and by the scrubber: returning data is
// reconciled, never trusted blindly.
//
// Thread safety: all methods are thread-safe; run_pass() blocks (one pass at
// a time). The background thread (start()) runs a pass every
// `rebuild_interval` and as soon as wake() is called.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "common/buffer.h"
#include "common/mutex.h"
#include "common/status.h"
#include "store/rate_limiter.h"
#include "store/store_health.h"

namespace skyarray {

class ChunkAccess;
class Drive;
struct DriveLabel;
class MetaBatch;

class Rebuilder {
 public:
  explicit Rebuilder(ChunkAccess* chunks);
  ~Rebuilder();  // stops the background thread

  void start();
  void stop();
  void wake();

  // Queues every chunk with a replica on one of `drive_ids` (one scan of the
  // chunk records). Returns how many were queued.
  Result<uint64_t> enqueue_drives(const std::vector<uint32_t>& drive_ids);
  // Processes the whole queue once. Returns the chunks given new replicas.
  Result<uint64_t> run_pass() EXCLUDES(pass_mu_, mu_);
  // Marks offline every drive that is no longer there (its identity file
  // unreadable or changed: the disk was pulled, unmounted or swapped) and
  // queues its chunks. The background thread calls it before each pass.
  // Returns how many drives it took offline.
  size_t check_drives();
  RebuildProgress progress() const;
  RateLimiter& limiter() { return limiter_; }

 private:
  struct Job;
  // Reads and verifies one chunk and writes its missing replicas without
  // syncing them; the chunk (locked) joins `group`. An error means the
  // chunk is left for the next pass. `reuse`: the worker's two buffers
  // (replica_check.h).
  Status prepare_chunk(uint64_t chunk_id, Buffer* reuse, std::vector<std::unique_ptr<Job>>* group);
  // Makes the group's new replicas durable (fdatasync of each file, fsync
  // of each directory once), then records them and erases their queue
  // entries in one commit; old copies are dropped after it. A record never
  // lists a replica before its file and directory are durable. Outcomes go
  // into the progress counters; the group is emptied.
  void commit_group(std::vector<std::unique_ptr<Job>>* group);
  std::vector<Status> make_durable(const std::vector<std::unique_ptr<Job>>& group);
  std::vector<uint32_t> stage_job(Job& job, MetaBatch* batch, Status* outcome);
  std::vector<std::vector<uint32_t>> record_group(const std::vector<std::unique_ptr<Job>>& group,
                                                  std::vector<Status>* outcome);
  void finish_group(const std::vector<std::unique_ptr<Job>>& group,
                    const std::vector<Status>& outcome,
                    const std::vector<std::vector<uint32_t>>& dropped);
  // Writes the missing replicas of a chunk that needs copies, from a
  // verified copy assembled from `sources`.
  Status add_copies(Job* job, const std::vector<DriveLabel>& keep_labels,
                    const std::vector<Drive*>& sources, Buffer* reuse);
  // The queue, fewest surviving copies first, with the bytes to copy and
  // the chunks that have no readable replica.
  struct Item {
    size_t surviving;
    uint64_t id;
  };
  struct Queue {
    std::vector<Item> items;
    uint64_t bytes_total = 0;
    uint64_t lost = 0;
  };
  Result<Queue> read_queue();
  // One worker thread of a pass: takes items from `next` until none is left.
  void work(const std::vector<Item>& items, std::atomic<size_t>* next);
  void loop();
  uint64_t count_queue() const;

  ChunkAccess* const chunks_;
  RateLimiter limiter_;
  Mutex pass_mu_;  // one pass at a time

  mutable Mutex mu_;
  RebuildProgress progress_ GUARDED_BY(mu_);
  std::chrono::steady_clock::time_point pass_start_ GUARDED_BY(mu_);

  Mutex bg_mu_;
  CondVar bg_cv_{&bg_mu_};
  bool stop_ GUARDED_BY(bg_mu_) = false;
  bool woken_ GUARDED_BY(bg_mu_) = false;
  std::atomic<bool> stopping_{false};  // workers leave the rest of a pass for next time
  std::thread bg_;
};

}  // namespace skyarray
