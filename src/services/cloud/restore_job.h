// RestoreJob: disaster recovery, rebuilding a local bucket from its cloud
// copy; one restore at a time.
//
// Phase "metadata": the bucket is created and linked (so nothing is
// re-uploaded and reads of evicted objects go to the cloud), the newest
// metadata checkpoint and the cloud location's listing (so objects written
// there by any S3 tool are included) are merged key by key as they are read
// (RestoreStream, bounded memory), and each key is recorded locally with its
// versions, attributes and tags, its bytes left in the cloud
// (ObjectService::import_versions), a window of keys at a time. From then
// on the array serves every object: GETs stream from the cloud
// (ReadThrough).
//
// Phase "prefetch": a background pass downloads the bytes of every object
// still evicted, `prefetch_workers` at a time under `prefetch_bandwidth`,
// checking size and MD5 (ObjectService::refill_object). Its cursor (the
// last key of the last finished page) is kept in metadata (SavedRestore),
// so a restart resumes after it; an object refilled meanwhile by a read or
// overwritten by a client is skipped.
//
// Thread safety: start() and progress() from any thread; the phases run on
// I/O thread 0.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/async.h"
#include "common/mutex.h"
#include "common/status.h"
#include "services/cloud/cloud_checkpoint.h"
#include "services/cloud/cloud_counters.h"
#include "services/cloud/cloud_parts.h"
#include "services/cloud/cloud_registry.h"
#include "services/cloud/cloud_target_pool.h"
#include "services/cloud/restore_progress.h"
#include "services/cloud/saved_restore.h"
#include "services/cloud/upload_queue.h"
#include "services/objects/object_service.h"

namespace skyarray {
class Runtime;
}

namespace skyarray::services {

class RestoreJob : public std::enable_shared_from_this<RestoreJob> {
 public:
  struct Options {
    uint32_t prefetch_workers = 4;
    uint64_t prefetch_bandwidth = 0;       // bytes/s; 0: none
    uint64_t checkpoint_piece = 16 << 20;  // ranged GETs of the checkpoint
  };

  RestoreJob(const CloudParts& parts, Options options);

  // Starts rebuilding `bucket` from target `target`, linked in `mode`, owned
  // by user `owner`. kNotFound for an unknown target, kInvalidArgument for
  // subscribe mode, kConflict when the bucket is linked or a restore runs.
  Status start(std::string target, std::string bucket, LinkMode mode, std::string owner);
  RestoreProgress progress() const;

  // Resumes the restores a restart interrupted (persisted state), one after
  // the other; spawn it on I/O thread 0.
  Task<void> resume();

 private:
  // The checkpoint a restore merges with the listing, opened.
  struct Checkpointed {
    std::optional<CloudCheckpoint> checkpoint;
    std::unique_ptr<CheckpointReader> reader;
  };

  Task<void> run(std::string target_name, std::string bucket, LinkMode mode, std::string owner);
  Task<Status> save(const std::string& bucket, const SavedRestore& saved);
  // Creates and links the bucket; its records are not changes (nothing is
  // queued for them).
  Task<Status> prepare_bucket(const Caller& owner, const std::string& bucket,
                              const std::string& target_name, LinkMode mode);
  Task<Result<Checkpointed>> open_checkpoint(CloudTarget& target, const CloudTargetConfig& cfg,
                                             const Caller& owner, const std::string& bucket);
  // Records every key, a window at a time; the keys recorded.
  Task<Result<uint64_t>> record_keys(CloudTarget& target, const CloudTargetConfig& cfg,
                                     const std::string& bucket, Checkpointed& checkpointed);
  // Records one key: its checkpointed versions (may be empty) reconciled
  // with the cloud's current object (`entry`, nullptr when absent).
  Task<Status> import_key(CloudTarget& target, const std::string& bucket, const std::string& key,
                          std::vector<ImportedObject> versions, const CloudListEntry* entry,
                          const CloudCheckpoint* checkpoint);
  Task<void> resume_one(const std::string& bucket, const SavedRestore& saved);
  Task<void> prefetch(std::shared_ptr<CloudTarget> target, std::string bucket, std::string cursor);
  // Counts what is left to download (the evicted objects after `cursor`).
  Task<Status> count_remaining(const std::string& bucket, const std::string& cursor);
  Task<void> prefetch_objects(CloudTarget& target, const CloudTargetConfig& cfg,
                              const std::string& bucket, const std::vector<ObjectInfo>& todo);
  Task<Status> prefetch_object(CloudTarget& target, const CloudTargetConfig& cfg,
                               const ObjectInfo& info);
  Task<void> prefetch_throttle(uint64_t bytes);
  void failed(const std::string& bucket, const Status& st);
  void finished(const std::string& bucket);

  const CloudParts parts_;
  const Options options_;

  mutable Mutex mu_;
  RestoreProgress progress_ GUARDED_BY(mu_);
  int64_t prefetch_started_ns_ GUARDED_BY(mu_) = 0;  // rate baseline
  // Prefetch bandwidth limiter; I/O thread 0.
  std::chrono::steady_clock::time_point prefetch_next_free_{};
};

}  // namespace skyarray::services
