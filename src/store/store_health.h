// Progress and findings of the store's self-healing work: the rebuild
// (re-replication) worker and the scrubber. Plain values, copied out of the
// store by BlobStore::rebuild_progress() / scrub_progress() / stats() for
// the admin API, the CLI and /metrics.
#pragma once

#include <cstdint>
#include <string>

namespace skyarray {

struct RebuildProgress {
  bool running = false;            // a pass is working through the queue now
  uint64_t queued_chunks = 0;      // under-replicated chunks waiting (rr/ queue)
  uint64_t lost_chunks = 0;        // chunks with no readable replica (last pass)
  uint64_t pass_chunks_total = 0;  // chunks the current/last pass started with
  uint64_t pass_chunks_done = 0;
  uint64_t pass_bytes_total = 0;  // bytes to copy, estimated at pass start
  uint64_t pass_bytes_done = 0;
  double pass_seconds = 0;  // elapsed time of the current/last pass
  double rate_bytes_per_second = 0;
  double eta_seconds = 0;         // 0 when idle or unknown
  uint64_t chunks_rebuilt = 0;    // since start: chunks given new replicas
  uint64_t bytes_rebuilt = 0;     // since start: bytes written to new replicas
  uint64_t replicas_dropped = 0;  // since start: copies removed from failed/draining drives
  uint64_t errors = 0;            // since start: chunks that could not be rebuilt (retried)
};

struct ScrubProgress {
  bool running = false;            // a pass is in progress (may be paced)
  uint64_t passes_completed = 0;   // persisted across restarts
  uint64_t cursor = 0;             // next chunk id of the current pass (persisted)
  uint64_t pass_chunks_total = 0;  // chunk records when the pass started
  uint64_t pass_chunks_done = 0;
  uint64_t pass_bytes_done = 0;  // replica bytes read and verified
  double pass_seconds = 0;
  double rate_bytes_per_second = 0;
  double eta_seconds = 0;
  int64_t last_pass_end_ms = 0;  // wall clock, ms since epoch; 0 = never
  // Findings of the current pass (the last one when idle).
  uint64_t corrupt_blocks = 0;       // 64 KiB blocks failing CRC32C, summed over replicas
  uint64_t corrupt_headers = 0;      // replica headers unreadable or disagreeing with metadata
  uint64_t missing_replicas = 0;     // replica files absent or unreadable on a readable drive
  uint64_t replicas_repaired = 0;    // replicas rewritten from good blocks
  uint64_t unrepairable_chunks = 0;  // some block has no good copy anywhere
  uint64_t under_replicated = 0;     // fewer replicas than wanted (queued for rebuild)
  uint64_t misplaced = 0;            // replicas sharing a domain while a wider spread exists
  uint64_t unreferenced_files = 0;   // chunk files no record places on their drive
};

// A chunk with a block that no replica can serve (store/data_loss_log.h).
struct LostChunk {
  uint64_t chunk_id = 0;
  std::string object;         // what the chunk belongs to (bucket/key version); empty: unknown
  std::string detail;         // what was found, e.g. which block failed on every replica
  int64_t first_seen_ms = 0;  // wall clock, ms since epoch
  uint64_t reads = 0;         // reads that met the loss since the store opened
};

}  // namespace skyarray
