// CloudSync: the cloud tier, as the rest of the array sees it. It is the
// object service's change stager (every change of an object in a linked
// bucket stages an UploadQueue entry in the change's own batch) and its
// tiering port (read-only mirrors, reads of evicted objects, recency), and
// it answers the admin API. The work itself is done by components it owns
// and wires together, each with its own state:
//   UploadDispatcher  queued keys → cloud (ObjectUploader: one version,
//                     whole or in resumable parts)
//   JournalUploader   the change journal → cloud (cloud_journal.h)
//   JournalFollower   subscribe links: cloud journal → local bucket
//   CacheEvictor      cache links: local bytes under the watermark
//   ReadThrough       reads of evicted objects (CloudReader)
//   CheckpointWriter  metadata checkpoints → cloud (cloud_checkpoint.h)
//   RestoreJob        cloud → a rebuilt local bucket, then prefetch
// sharing the UploadQueue (metadata), the CloudTargetPool (connections)
// and the CloudCounters (status). Mapping of a linked bucket:
//   cloud key = target prefix + local key; Content-Type/-Encoding/
//   -Disposition, Cache-Control, user metadata and tags carried; Content-MD5
//   and x-amz-checksum-crc32c sent and the cloud's ETag checked.
// Array-private state in the cloud lives under "<prefix>.skyarray/".
//
// Threading: the background work runs on I/O thread 0; admin calls may
// come from any I/O thread. stage_change() runs on the blocking pool.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/async.h"
#include "common/status.h"
#include "services/cloud/cloud_config.h"
#include "services/cloud/cloud_sync_options.h"
#include "services/cloud/cloud_sync_status.h"
#include "services/cloud/cloud_target.h"
#include "services/cloud/cloud_target_pool.h"
#include "services/cloud/restore_progress.h"
#include "services/objects/object_change_stager.h"
#include "services/objects/object_service.h"
#include "services/objects/tiering_port.h"

namespace skyarray {
class Runtime;
class MetaStore;
}  // namespace skyarray

namespace skyarray::services {

class CloudRegistry;
class UploadQueue;
class CloudCounters;
class UploadDispatcher;
class JournalUploader;
class JournalFollower;
class CacheEvictor;
class ReadThrough;
class CheckpointWriter;
class RestoreJob;

class CloudSync : public ObjectChangeStager, public TieringPort {
 public:
  CloudSync(Runtime& rt, MetaStore& meta, ObjectService& objects, CloudRegistry& registry,
            CloudTargetFactory factory, CloudSyncOptions options = {});
  ~CloudSync() override;

  // Starts the background work on I/O thread 0 (it stops with the runtime).
  void start();

  // ObjectChangeStager: queues the change of a key of a bucket linked in
  // sync or cache mode.
  Status stage_change(MetaBatch* batch, const std::string& bucket, const std::string& key,
                      uint64_t size) override;
  // TieringPort. check_writable: kReadOnly for buckets linked in subscribe
  // mode (except the mirror's own system writes).
  Status check_writable(const Caller& caller, const std::string& bucket) override;
  // Reads of evicted objects stream from the cloud (ReadThrough).
  Result<std::unique_ptr<ObjectReader>> open_evicted(const ObjectInfo& info, uint64_t first,
                                                     uint64_t length) override;
  // Every client read refreshes the key's recency (CacheEvictor).
  void note_read(const Caller& caller, const std::string& bucket, const std::string& key) override;

  // Target configuration (CloudRegistry, on the blocking pool).
  Task<Status> add_target(const CloudTargetConfig& target, bool replace);
  Task<Status> remove_target(const std::string& name);
  std::vector<CloudTargetConfig> targets() const;
  std::optional<CloudTargetConfig> target(const std::string& name) const;
  std::vector<CloudLink> links() const;

  // Links a local bucket (kBucketNotFound when absent). With `initial_sync`
  // every existing object is queued. A bucket with Object Lock is linked
  // only to a target whose bucket has Object Lock enabled (kConflict
  // otherwise, or the probe's error when it cannot be told), unless
  // link.allow_unlocked_copy.
  Task<Status> link(const CloudLink& link, bool initial_sync);
  // Removes the link and its pending work.
  Task<Status> unlink(const std::string& bucket);

  // Checks reachability, credentials and permissions (list, put, get,
  // delete of a probe object under .skyarray/) and reports each step; the
  // last, "object lock", tells the bucket's Object Lock support (also in
  // `object_lock`) and fails only when it cannot be told.
  struct TestStep {
    std::string name;
    bool ok = false;
    std::string detail;
  };
  struct TargetTest {
    std::vector<TestStep> steps;
    std::optional<CloudObjectLock> object_lock;  // when the last step ran and could tell
  };
  Task<TargetTest> test_target(const CloudTargetConfig& target);

  Task<Result<CloudSyncStatus>> status();

  // Rebuilds local bucket `bucket` from target `target` (RestoreJob): the
  // bucket is created and linked in `mode` (nothing re-uploaded), every
  // object of the cloud location recorded with its bytes left in the cloud,
  // which serves reads at once, then the bytes are downloaded in the
  // background (resumed after a restart). `owner` (a user id) owns the
  // bucket. kConflict while another restore runs.
  Status start_restore(std::string target, std::string bucket, LinkMode mode, std::string owner);
  RestoreProgress restore_progress() const;

 private:
  // OK when the link's target can lock objects (CloudTarget::object_lock).
  Task<Status> check_lockable(const CloudLink& link);
  // Queues every object the bucket holds now (initial sync of a link).
  Task<Status> queue_existing(const std::string& bucket);

  Runtime& rt_;
  MetaStore& meta_;
  ObjectService& objects_;
  CloudRegistry& registry_;
  const CloudSyncOptions options_;
  std::shared_ptr<UploadQueue> queue_;
  std::shared_ptr<CloudCounters> counters_;
  std::shared_ptr<CloudTargetPool> pool_;
  std::shared_ptr<UploadDispatcher> dispatcher_;
  std::shared_ptr<JournalUploader> journal_uploader_;
  std::shared_ptr<JournalFollower> journal_follower_;
  std::shared_ptr<CacheEvictor> evictor_;
  std::shared_ptr<ReadThrough> read_through_;
  std::shared_ptr<CheckpointWriter> checkpoints_;
  std::shared_ptr<RestoreJob> restore_;
};

}  // namespace skyarray::services
