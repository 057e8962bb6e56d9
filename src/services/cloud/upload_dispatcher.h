// UploadDispatcher: makes each linked cloud bucket equal to its local
// bucket. A loop on I/O thread 0 hands up to `workers` queued keys
// (UploadQueue) to upload workers; a worker that finishes wakes it at once,
// and a key whose queue entry is being committed no longer holds an upload
// slot. Per key: the highest queued entry is noted, the local state of the
// key is uploaded (ObjectUploader) or deleted in the cloud, then the
// entries up to it are finished with a journal line (JournalUploader sends
// them). Failures are retried per key with exponential backoff and full
// jitter; an outage (unavailable, timeout) also backs off the whole target.
// A warning is logged when the backlog passes `alert_backlog_objects`.
//
// Threading: all its state is confined to I/O thread 0 (no lock); metadata
// work runs on the blocking pool.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "common/async.h"
#include "common/status.h"
#include "services/cloud/cloud_counters.h"
#include "services/cloud/cloud_parts.h"
#include "services/cloud/cloud_registry.h"
#include "services/cloud/cloud_sync_options.h"
#include "services/cloud/cloud_target_pool.h"
#include "services/cloud/object_uploader.h"
#include "services/cloud/upload_queue.h"

namespace skyarray {
class Runtime;
}

namespace skyarray::services {

class UploadDispatcher : public std::enable_shared_from_this<UploadDispatcher> {
 public:
  UploadDispatcher(const CloudParts& parts, const CloudSyncOptions& options);

  // The dispatch loop; spawn it on I/O thread 0. Ends when the runtime stops.
  Task<void> run();

 private:
  using SteadyTime = std::chrono::steady_clock::time_point;
  struct Retry {
    int attempts = 0;
    SteadyTime not_before{};
  };

  // Hands out queued keys to fill the free upload slots.
  Task<void> fill_slots();
  Task<void> check_backlog(bool* alerted);
  // Waits for the next poll or a freed slot.
  Task<void> idle();
  Task<void> process(QueuedKey k);
  void wake();
  Task<Status> sync_key(const std::string& bucket, const std::string& key);
  // The local state of bucket/key made the cloud's; its journal line.
  Task<Result<std::string>> push_key(CloudTargetPool::Slot& slot, const CloudTargetConfig& cfg,
                                     const std::string& bucket, const std::string& key,
                                     uint64_t max_seq, std::optional<std::string>* synced);
  std::chrono::milliseconds backoff(int attempts) const;

  const CloudParts parts_;
  ObjectUploader uploader_;
  const uint32_t workers_;
  const double retry_base_seconds_;
  const double retry_max_seconds_;
  const uint64_t alert_backlog_objects_;
  const double poll_seconds_;

  std::unordered_set<std::string> in_flight_;
  std::unordered_map<std::string, Retry> retries_;
  // Ends the loop's wait early (a worker slot came free), so the next key
  // starts at once rather than at the next poll.
  std::function<void()> wake_dispatch_;
  bool dispatch_woken_ = false;  // a slot freed while the loop was busy
  // Keys whose upload is done and whose queue entry is being committed
  // (a synced metadata commit). Up to `workers` of them do not hold an
  // upload slot, so the next upload starts while the commit syncs.
  size_t finishing_ = 0;
  std::string dispatch_after_;  // the last key handed out (UploadQueue::next_keys)
};

}  // namespace skyarray::services
