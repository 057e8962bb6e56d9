// ObjectLifecycle: the lifecycle worker — applies each bucket's lifecycle
// rules (lifecycle_configuration.h, decided by lifecycle_planner.h) once a
// day, its dry run, and its progress for `admin health` and /metrics.
//
// Finding due objects without scanning every object: once per day of the
// retention clock (common/clock.h, so tests can move it years ahead) and
// per configuration, a pass walks only the key ranges the enabled rules'
// prefixes select — first the versions ("V" keys, grouped by key), then the
// multipart uploads ("M" keys) when a rule aborts uploads — from a cursor
// kept in the metadata store. A bucket without rules costs nothing; a rule
// on "scans/2019/" reads only that range.
//
// Bounded batches: a step examines at most `lifecycle_batch` keys or
// uploads of one bucket, then rests `lifecycle_pause`. Every change is one
// synced MetaBatch holding the change itself (a delete marker, a removed
// version, an aborted upload, with their bytes released), the counts it adds
// and the cursor moved past the key, so a kill -9 at any moment loses or
// repeats nothing: after a restart the pass resumes at the cursor, and a
// key the cursor had not passed is decided again from what is stored
// (lifecycle_planner.h: deciding twice never acts twice).
//
// Object Lock: a version under retention or legal hold is never removed;
// the attempt counts as skipped_locked (and is retried each day). Adding a
// delete marker over a locked current version is allowed, as in S3: the
// version itself stays.
//
// Progress record (metadata, buckets family, key "Y" str(bucket), format
// version 1): u8 version, svarint pass day, u32-as-varint configuration
// CRC-32C, u8 phase (0 versions, 1 uploads, 2 done), bytes cursor (where the
// phase resumes — versions: the first meta key past the last key done;
// uploads: the last upload key done; empty: the start), svarint pass start and end
// (ns), then two LifecycleCounts (this pass, all passes) of six varints in
// field order.
//
// Threading: calls are safe from any I/O thread; the work runs on the
// blocking pool. run() is spawned once by start().
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/async.h"
#include "common/status.h"
#include "services/objects/lifecycle_planner.h"
#include "services/objects/object_types.h"

namespace skyarray::services {

class ObjectContext;
struct BucketRecord;

// The key of a bucket's progress record (erased with the bucket).
std::string lifecycle_progress_key(std::string_view bucket);

struct LifecycleCounts {
  uint64_t scanned = 0;             // keys and uploads examined
  uint64_t expired = 0;             // current versions expired (removed or hidden)
  uint64_t noncurrent_expired = 0;  // noncurrent versions removed
  uint64_t markers_removed = 0;     // expired object delete markers removed
  uint64_t uploads_aborted = 0;     // incomplete multipart uploads aborted
  uint64_t skipped_locked = 0;      // removals refused by Object Lock

  void add(const LifecycleCounts& o);
};

// A bucket's pass (the stored progress record).
struct LifecycleProgress {
  int64_t pass_day = -1;  // days since the epoch on the retention clock
  uint32_t config_crc = 0;
  uint8_t phase = 0;  // 0 versions, 1 uploads, 2 done
  std::string cursor;
  int64_t pass_started_ns = 0;
  int64_t pass_finished_ns = 0;  // 0 while running
  LifecycleCounts pass;
  LifecycleCounts total;

  bool done() const { return phase >= 2; }
  std::string encode() const;
  static Result<LifecycleProgress> decode(std::string_view bytes);
};

struct LifecycleStatus {
  struct Bucket {
    std::string name;
    LifecycleProgress progress;
  };
  std::vector<Bucket> buckets;  // every bucket with lifecycle rules
  LifecycleCounts total;        // over all buckets and passes
  uint64_t passes_running = 0;
  uint64_t steps = 0;  // since start
  uint64_t errors = 0;
};

class ObjectLifecycle {
 public:
  explicit ObjectLifecycle(std::shared_ptr<ObjectContext> ctx);

  // Spawns run() on the runtime when options().lifecycle_interval > 0.
  void start();
  // Every lifecycle_interval: steps every bucket whose pass of the day is
  // due until none is, then waits again. Ends when the runtime stops.
  Task<void> run();
  // One step (at most lifecycle_batch keys) of every bucket with a pass to
  // do. True while any pass is unfinished.
  Task<Result<bool>> step();

  // What the rules of `bucket` would do now (retention clock), without
  // doing it: at most `limit` actions from the start of the bucket. A
  // removal Object Lock refuses is listed with `locked` set.
  struct DryRunAction {
    LifecycleAction action;
    bool locked = false;
  };
  Task<Result<std::vector<DryRunAction>>> dry_run(const Caller& caller, const std::string& bucket,
                                                  size_t limit);
  Task<Result<LifecycleStatus>> status();

 private:
  // One step of one bucket (blocking); true when its pass is unfinished.
  Result<bool> step_bucket(const std::string& bucket, const BucketRecord& rec);

  std::shared_ptr<ObjectContext> ctx_;
  std::atomic<uint64_t> steps_{0};
  std::atomic<uint64_t> errors_{0};
};

}  // namespace skyarray::services
