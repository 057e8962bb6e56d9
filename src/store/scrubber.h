// Scrubber: re-reads every replica of every chunk on a schedule, verifies
// each 64 KiB block against the CRC32C in the chunk record and the replica's
// header against the record and against the owner the other replicas'
// headers name, and rewrites damaged or missing replicas (and those with a
// bad header) from the good blocks of the others (replica_check.h). A
// chunk with a block bad on every replica is recorded as data loss
// (data_loss_log.h); messages name the chunk's object (chunk_owner_names.h). It also checks that
// each chunk has its wanted replica count (queuing it for the rebuild worker when not) and spread
// (counted as misplaced when replicas share a node while the array has enough online nodes to
// separate them), and at the end of a pass counts chunk files that no record places on their drive
// and that are older than 10 minutes (younger ones may be writes about to commit) (unreferenced:
// reported, removed by the next startup recovery).
//
// Schedule and pace: a pass starts `scrub_interval` after the previous one
// ended (or at once on request()); it reads at most `scrub_rate` bytes/s,
// and `scrub_busy_rate` while foreground reads and writes exceed
// `scrub_busy_above` bytes/s.
//
// Persistent state, MetaCf::kQueues key "scrub/state", format version 1:
//   "1 <cursor> <passes completed> <last pass end, ms since epoch>"
// (decimal, space separated). The cursor is the next chunk id to scrub and
// is saved every few chunks and at stop: a restarted array resumes the pass
// where it stopped instead of starting over.
//
// Thread safety: all methods are thread-safe; run_pass() blocks and runs one
// pass at a time.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>

#include "common/buffer.h"
#include "common/mutex.h"
#include "common/status.h"
#include "store/chunk_record.h"
#include "store/rate_limiter.h"
#include "store/store_health.h"

namespace skyarray {

class ChunkAccess;
class Rebuilder;
struct ReplicaCheck;
struct ReplicaFinding;

class Scrubber {
 public:
  // Chunks found under-replicated are queued and `rebuilder` (optional) is
  // woken.
  Scrubber(ChunkAccess* chunks, Rebuilder* rebuilder);
  ~Scrubber();

  void start();
  void stop();
  // Starts a pass now (or continues the current one without waiting).
  void request();

  // Scrubs from the persisted cursor for at most `max_chunks` chunks. When
  // the end of the chunk records is reached the pass completes (cursor back
  // to 0, passes_completed + 1, unreferenced files counted).
  Result<ScrubProgress> run_pass(uint64_t max_chunks = UINT64_MAX) EXCLUDES(pass_mu_, mu_);
  ScrubProgress progress() const;

 private:
  // What scrubbing one chunk found, added to the pass's progress.
  struct Findings {
    uint64_t corrupt = 0;  // bad blocks, summed over replicas
    uint64_t headers = 0;  // bad headers
    uint64_t missing = 0;  // missing replicas
    uint64_t repaired = 0;
    bool unrepairable = false;
    bool under = false;
    bool misplaced = false;
  };
  // Starts counting a pass (or resumes one a restart interrupted) unless
  // one is running.
  void begin_pass() EXCLUDES(mu_);
  // The end of the chunk records: the pass completes.
  void finish_pass() EXCLUDES(mu_);
  void scrub_chunk(uint64_t chunk_id) REQUIRES(pass_mu_) EXCLUDES(mu_);
  // Rewrites every unhealthy replica from `check`'s verified copy (when it
  // is complete) and counts what the check found.
  Findings repair_replicas(uint64_t chunk_id, const ChunkRecord& rec, const ReplicaCheck& check);
  // True when the replica was rewritten and the chunk is still recorded.
  bool rewrite_replica(uint64_t chunk_id, const ChunkRecord& rec, const ReplicaCheck& check,
                       const ReplicaFinding& f);
  // Records a block with no good copy on any of `readable` replicas.
  void note_loss(uint64_t chunk_id, const ReplicaCheck& check, size_t readable);
  void count(const Findings& found, uint64_t bytes_read);
  uint64_t count_unreferenced();
  void pace(uint64_t bytes) REQUIRES(pass_mu_);
  Status load_state();
  Status save_state();
  void loop();

  ChunkAccess* const chunks_;
  Rebuilder* const rebuilder_;
  RateLimiter limiter_;
  Mutex pass_mu_;  // one pass at a time; guards what only a pass uses

  mutable Mutex mu_;
  ScrubProgress progress_ GUARDED_BY(mu_);
  bool loaded_ GUARDED_BY(mu_) = false;
  std::chrono::steady_clock::time_point pass_start_ GUARDED_BY(mu_);
  double elapsed_before_ GUARDED_BY(mu_) = 0;  // pass time spent before this run_pass

  // Foreground load sampling for pace().
  std::chrono::steady_clock::time_point sample_time_ GUARDED_BY(pass_mu_);
  uint64_t sample_bytes_ GUARDED_BY(pass_mu_) = 0;

  Buffer buffers_[2] GUARDED_BY(pass_mu_);  // reused by every chunk (replica_check.h)

  std::atomic<bool> stop_{false};
  Mutex bg_mu_;
  CondVar bg_cv_{&bg_mu_};
  bool requested_ GUARDED_BY(bg_mu_) = false;
  std::thread bg_;
};

}  // namespace skyarray
