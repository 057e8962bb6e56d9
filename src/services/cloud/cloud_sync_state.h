// Internals of CloudSync shared by its translation units (not a public
// header). Fields marked "io0" are touched only on I/O thread 0.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "common/runtime.h"
#include "services/cloud/cloud_checkpoint.h"
#include "services/cloud/cloud_registry.h"
#include "services/cloud/cloud_sync.h"

namespace skyarray::services {

using SteadyTime = std::chrono::steady_clock::time_point;

// MD5 and CRC32C of a body sent to the cloud (Content-MD5 and
// x-amz-checksum-crc32c), for the cloud to verify. Defined in
// cloud_upload.cc.
struct UploadDigests {
  std::string md5;
  uint32_t crc = 0;
};
Result<UploadDigests> upload_digests(const std::string& body);
std::optional<std::string> md5_of_etag(const std::string& etag);

struct CloudSync::State : std::enable_shared_from_this<CloudSync::State> {
  State(Runtime& r, MetaStore& m, ObjectService& o, CloudRegistry& reg, CloudTargetFactory f,
        CloudSyncOptions opt)
      : rt(r), meta(m), objects(o), registry(reg), factory(std::move(f)), options(opt), queue(m) {}

  Runtime& rt;
  MetaStore& meta;
  ObjectService& objects;
  CloudRegistry& registry;
  CloudTargetFactory factory;
  CloudSyncOptions options;
  UploadQueue queue;

  struct TargetSlot {
    std::string fingerprint;  // config the instance was made from
    std::shared_ptr<CloudTarget> target;
    SteadyTime next_free{};   // bandwidth limiter
    SteadyTime not_before{};  // outage backoff for the whole target
    int failures = 0;
  };
  struct Retry {
    int attempts = 0;
    SteadyTime not_before{};
  };
  std::map<std::string, TargetSlot> targets;  // io0
  std::unordered_set<std::string> in_flight;  // io0
  // Ends the dispatch loop's wait early (a worker slot came free), so the
  // next key starts at once rather than at the next poll. io0.
  std::function<void()> wake_dispatch;
  bool dispatch_woken = false;  // io0: a slot freed while the loop was busy
  // Keys whose upload is done and whose queue entry is being committed
  // (a synced metadata commit). Up to `workers` of them do not hold an
  // upload slot, so the next upload starts while the commit syncs. io0.
  size_t finishing = 0;
  std::string dispatch_after;  // io0: the last key handed out (UploadQueue::next_keys)
  void wake();
  std::unordered_map<std::string, Retry> retries;  // io0

  mutable std::mutex mu;  // guards what admin calls read
  CloudSyncStatus counters;
  std::deque<std::pair<SteadyTime, uint64_t>> recent_uploads;
  RestoreProgress restore;
  bool journal_running = false;     // io0
  bool evict_running = false;       // io0
  bool checkpoint_running = false;  // io0
  std::mutex access_mu;
  std::unordered_map<std::string, int64_t> last_access;  // bucket\0key → ns
  // Targets for read-through, one per event loop (HttpClient is per loop).
  std::mutex readers_mu;
  std::map<std::pair<void*, std::string>, std::pair<std::string, std::shared_ptr<CloudTarget>>>
      read_targets;
  std::unordered_set<std::string> polling;  // io0: subscribe links being polled
  // Restore prefetch: rate baseline (under mu) and bandwidth limiter (io0).
  int64_t prefetch_started_ns = 0;
  SteadyTime prefetch_next_free{};
  // Whole-object reads of evicted objects, for recache = on-second-read.
  std::unordered_map<std::string, int> evicted_reads;  // under access_mu

  // ---- cloud_sync.cc
  Task<void> dispatch_loop();
  Task<void> process(QueuedKey k);
  Task<Status> sync_key(const std::string& bucket, const std::string& key);
  Result<TargetSlot*> slot_for(const CloudTargetConfig& cfg);
  Task<void> throttle(TargetSlot& slot, const CloudTargetConfig& cfg, uint64_t bytes);
  void note_upload(uint64_t bytes, uint64_t objects);
  void note_error(const Status& s);
  // ---- cloud_upload.cc
  Task<Status> upload(TargetSlot& slot, const CloudTargetConfig& cfg, const ObjectInfo& info,
                      const std::string& cloud_key);
  Task<Result<std::string>> read_local(const ObjectInfo& info, uint64_t first, uint64_t length);
  Task<Result<CloudObjectAttrs>> attrs_of(const ObjectInfo& info);
  // ---- cloud_journal.cc
  void start_journal_work();
  Task<void> flush_journals();
  Task<Status> flush_journal(const CloudTargetConfig& cfg);
  Task<void> poll_subscription(CloudLink link);
  Task<Status> poll_once(const CloudLink& link);
  Task<Status> apply_segment(CloudTarget& target, const CloudTargetConfig& cfg,
                             const std::string& bucket, const std::string& body);
  // ---- cloud_cache.cc
  Task<void> evict_pass();
  Task<Status> evict_link(const CloudLink& link);
  Result<std::shared_ptr<CloudTarget>> read_target(boost::asio::io_context& io,
                                                   const CloudTargetConfig& cfg);
  // Whether a whole read of an evicted object should store it again
  // (recache policy); counts the read.
  bool recache_on_read(const std::string& bucket, const std::string& key);
  // ---- cloud_checkpoint.cc
  Task<void> checkpoint_pass();
  Task<Status> write_checkpoint(const CloudLink& link);
  // The newest checkpoint that reads back whole (read through once to check
  // it), nullopt when there is none. Fails only when the cloud does.
  Task<Result<std::optional<CloudCheckpoint>>> read_checkpoint(CloudTarget& target,
                                                               const CloudTargetConfig& cfg);
  // ---- cloud_restore.cc
  Task<void> restore_run(std::string target, std::string bucket, LinkMode mode, std::string owner);
  void restore_failed(const std::string& bucket, const Status& st);
  // Whether `bucket` has a restore in its metadata phase (persisted state).
  Task<bool> restoring_metadata(const std::string& bucket);
  // One page of the cloud location's objects, the array's private prefix
  // left out (subscribe import, cloud_journal.cc); `token` "" starts.
  Task<Result<CloudListPage>> list_cloud_page(CloudTarget& target, const CloudTargetConfig& cfg,
                                              const std::string& token);
  // Records one key: its checkpointed versions (may be empty) reconciled
  // with the cloud's current object (`entry`, nullptr when absent).
  Task<Status> import_key(CloudTarget& target, const CloudTargetConfig& cfg,
                          const std::string& bucket, const std::string& key,
                          std::vector<ImportedObject> versions, const CloudListEntry* entry,
                          const CloudCheckpoint* checkpoint);
  Task<Status> restore_object(CloudTarget& target, const Caller& owner, const std::string& bucket,
                              const std::string& local_key, const CloudListEntry& entry);
  Task<void> resume_restore();
  Task<void> prefetch_run(std::shared_ptr<CloudTarget> target, std::string bucket,
                          std::string cursor);
  Task<Status> prefetch_object(CloudTarget& target, const CloudTargetConfig& cfg,
                               const ObjectInfo& info);
  Task<void> prefetch_throttle(uint64_t bytes);
};

// The caller the tier acts as on the object service.
inline Caller system_caller() {
  return Caller{"", true};
}

// "<prefix>.skyarray/": the array's private state in the cloud bucket.
inline std::string private_prefix(const CloudTargetConfig& cfg) {
  return cfg.prefix + ".skyarray/";
}

}  // namespace skyarray::services
