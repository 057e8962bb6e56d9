// CloudSync: the cloud tier's engine. It is the ObjectService's change stager
// (every change of an object in a linked bucket stages an UploadQueue entry
// in the change's own batch) and runs a bounded pool of upload workers that
// make each linked cloud bucket equal to the local bucket:
//   cloud key = target prefix + local key; Content-Type/-Encoding/
//   -Disposition, Cache-Control, user metadata and tags carried; Content-MD5
//   and x-amz-checksum-crc32c sent and the cloud's ETag checked.
// Objects above `multipart_threshold` go up in `part_size` parts; each part
// is recorded as it finishes, so a restart resumes without re-sending
// finished parts. Failures are retried per key with exponential backoff and
// full jitter (retry_base .. retry_max); meanwhile the local service goes on
// and the backlog stays on disk. A warning is logged when the backlog passes
// `alert_backlog_objects`. Uploads respect a target's bandwidth limit and
// time window. Array-private state in the cloud lives under ".skyarray/".
//
// Threading: the workers run on I/O thread 0; admin calls may come from any
// I/O thread. stage_change() runs on the blocking pool.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/async.h"
#include "common/status.h"
#include "services/cloud/cloud_config.h"
#include "services/cloud/cloud_target.h"
#include "services/cloud/upload_queue.h"
#include "services/objects/object_service.h"

namespace boost::asio {
class io_context;
}

namespace skyarray {
class Runtime;
class MetaStore;
class ConfigSection;
}  // namespace skyarray

namespace skyarray::services {

class CloudRegistry;

struct CloudSyncOptions {
  uint32_t workers = 4;
  uint64_t multipart_threshold = 16ull << 20;
  uint64_t part_size = 16ull << 20;
  double retry_base_seconds = 0.5;
  double retry_max_seconds = 60;
  uint64_t alert_backlog_objects = 100000;
  double poll_seconds = 0.2;
  // How often the change journal is uploaded and subscribe links poll it.
  double journal_seconds = 1.0;
  // How often cache links check their watermark.
  double evict_seconds = 1.0;
  // After a restore: objects downloaded at once in the background, and a
  // limit on their bytes/s (0: none) so clients' read-through comes first.
  uint32_t prefetch_workers = 4;
  uint64_t prefetch_bandwidth = 0;
  // Whether a whole-object read of an evicted object stores it locally again.
  enum class Recache { kNever, kOnRead, kOnSecondRead };
  Recache recache = Recache::kOnRead;
  // How often each linked bucket's version list is checkpointed in the
  // cloud (cloud_checkpoint.cc); 0: never.
  double checkpoint_seconds = 3600;
  // A checkpoint is written in parts of this size (multipart when it needs
  // more than one) and read back in ranged GETs of this size, so neither
  // side holds a whole checkpoint in memory. The config accepts 5 MiB (the
  // S3 minimum part) .. 64 MiB (the largest GET); tests may set less.
  uint64_t checkpoint_part_size = 16ull << 20;

  // [cloud] workers, multipart_threshold, part_size, retry_base, retry_max,
  // alert_backlog_objects, poll_interval, journal_interval, evict_interval,
  // prefetch_workers, prefetch_bandwidth, recache = "never|on-read|on-second-read",
  // checkpoint_interval, checkpoint_part_size.
  static Result<CloudSyncOptions> from_config(const ConfigSection& section);
};

// Makes the wire implementation of a target (protocols/s3client).
using CloudTargetFactory = std::function<Result<std::unique_ptr<CloudTarget>>(
    boost::asio::io_context&, const CloudTargetConfig&)>;

struct CloudSyncStatus {
  BacklogStats backlog;
  uint64_t uploaded_objects = 0;
  uint64_t uploaded_bytes = 0;
  uint64_t deleted_objects = 0;
  uint64_t errors = 0;
  uint64_t evicted_objects = 0;  // cache mode, since start
  uint64_t evicted_bytes = 0;
  uint64_t read_through_bytes = 0;  // served from the cloud
  uint64_t recached_objects = 0;    // evicted objects stored again on read
  uint64_t recached_bytes = 0;
  uint64_t alert_backlog_objects = 0;  // the threshold
  double upload_rate = 0;              // bytes/s over the last ~10 s
  std::string last_error;
  bool alert = false;  // backlog above the threshold
  // Per linked bucket (the backlog of each link).
  struct PerLink {
    std::string bucket;
    std::string target;
    BacklogStats backlog;
  };
  std::vector<PerLink> links;
};

// A restore runs in two phases: "metadata" (bucket and object records
// created from the cloud, bytes left there; reads are served through the
// cloud from the end of this phase: `serving`) and "prefetch" (the bytes
// downloaded in the background). Totals and counts are of the prefetch.
struct RestoreProgress {
  bool running = false;
  bool done = false;
  bool serving = false;
  std::string phase;  // "metadata", "prefetch", "done"
  std::string bucket;
  std::string target;
  std::string error;
  uint64_t objects_total = 0;
  uint64_t objects_done = 0;
  uint64_t bytes_total = 0;
  uint64_t bytes_done = 0;
  uint64_t objects_failed = 0;  // left in the cloud (read-through still serves them)
  // From the newest metadata checkpoint ("" when none): older versions and
  // delete markers restored as records (the cloud holds no older bytes).
  std::string checkpoint;
  uint64_t versions_restored = 0;
  int64_t started_ns = 0;
  int64_t finished_ns = 0;
  double rate_bytes_per_second = 0;  // prefetch, since it (re)started
  double eta_seconds = 0;
};

class CloudSync : public ObjectChangeStager, public TieringPort {
 public:
  CloudSync(Runtime& rt, MetaStore& meta, ObjectService& objects, CloudRegistry& registry,
            CloudTargetFactory factory, CloudSyncOptions options = {});
  ~CloudSync() override;

  // Starts the workers on I/O thread 0 (they stop with the runtime).
  void start();

  Status stage_change(MetaBatch* batch, const std::string& bucket, const std::string& key,
                      uint64_t size) override;
  // kReadOnly for buckets linked in subscribe mode (except the mirror's own
  // system writes).
  Status check_writable(const Caller& caller, const std::string& bucket) override;
  // cache mode: reads of evicted objects stream from the cloud (ranged
  // GETs); every read refreshes the key's recency.
  Result<std::unique_ptr<ObjectReader>> open_evicted(const ObjectInfo& info, uint64_t first,
                                                     uint64_t length) override;
  void note_read(const Caller& caller, const std::string& bucket, const std::string& key) override;

  // Target configuration (CloudRegistry, on the blocking pool).
  Task<Status> add_target(const CloudTargetConfig& target, bool replace);
  Task<Status> remove_target(const std::string& name);
  std::vector<CloudTargetConfig> targets() const;
  std::optional<CloudTargetConfig> target(const std::string& name) const;
  std::vector<CloudLink> links() const;

  // Links a local bucket (kBucketNotFound when absent). With `initial_sync`
  // every existing object is queued.
  Task<Status> link(const CloudLink& link, bool initial_sync);
  // Removes the link and its pending work.
  Task<Status> unlink(const std::string& bucket);

  // Checks reachability, credentials and permissions (list, put, get,
  // delete of a probe object under .skyarray/) and reports each step.
  struct TestStep {
    std::string name;
    bool ok = false;
    std::string detail;
  };
  Task<std::vector<TestStep>> test_target(const CloudTargetConfig& target);

  Task<Result<CloudSyncStatus>> status();

  // Rebuilds local bucket `bucket` from target `target`: creates it, links
  // it in `mode` (nothing re-uploaded), records every object of the cloud
  // location (listing, so objects written by other tools are included) with
  // its bytes left in the cloud, which serves reads at once, then downloads
  // the bytes in the background (resumed after a restart from a persistent
  // cursor). `owner` (a user id) owns the bucket. kConflict while another
  // restore runs; progress via restore_progress().
  Status start_restore(std::string target, std::string bucket, LinkMode mode, std::string owner);
  RestoreProgress restore_progress() const;

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace skyarray::services
