// UploadQueue: the cloud tier's persistent work list in MetaCf::kQueues.
//
// Every change of an object in a linked bucket stages one entry in the batch
// that commits the change (stage()), so an acknowledged change is never
// forgotten. Entries of one key are processed together: a worker notes the
// highest sequence number it saw, makes the cloud equal to the key's local
// state at that moment, then erases the entries up to that number — a change
// committed meanwhile has a higher number and is processed again. That gives
// per-key ordering (the cloud ends in the local final state) without a lock
// between the commit path and the workers.
//
// Format, version 1 (kQueues):
//   entry:     "cloud/q/" bucket 0x00 key 0x00 seq(8 bytes big-endian)
//              → enqueued_ns(8 LE) size(8 LE)
//   multipart: "cloud/mpu/" bucket 0x00 key → JSON {"v":1,"upload_id",
//              "version_id","etag","part_size","parts":{"<n>":"<etag>",...}}
//              (parts recorded as they finish, so a restart resumes the upload)
//   journal:   "cloud/j/" target 0x00 seq(8 BE) → one journal line (JSON), staged
//              in the batch that retires the change, erased once uploaded in
//              a journal segment (cloud_journal.h)
//   synced:    "cloud/s/" bucket 0x00 key → local ETag of the version whose
//              upload the cloud verified (cache eviction requires it)
//   cursor:    "cloud/sub/" bucket → key of the last journal segment applied
//              by a subscribe link
//   restore:   "cloud/r/" bucket → JSON state of an unfinished restore
//              (target, prefetch cursor and totals; saved_restore.h)
//
// Thread safety: stage() is lock-free; the rest may be called concurrently
// (blocking; call on the blocking pool).
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "services/cloud/multipart_progress.h"

namespace skyarray {
class MetaStore;
class MetaBatch;
}  // namespace skyarray

namespace skyarray::services {

struct QueuedKey {
  std::string bucket;
  std::string key;
  uint64_t max_seq = 0;
  int64_t oldest_ns = 0;
  uint64_t size = 0;  // of the newest entry
};

struct BacklogStats {
  uint64_t objects = 0;
  uint64_t bytes = 0;
  int64_t oldest_ns = 0;  // 0 when empty
};

class UploadQueue {
 public:
  explicit UploadQueue(MetaStore& meta);

  void stage(MetaBatch* batch, const std::string& bucket, const std::string& key, uint64_t size);

  // Up to `limit` distinct keys, skipping those in `skip`, in key order
  // starting after the key whose id() is `after` and wrapping around to the
  // start. Callers pass the last key they took, so successive calls go round
  // the queue: a scan from the start would first step over the deletion
  // markers of every entry finished since the last compaction, which made
  // a long backlog quadratic.
  Result<std::vector<QueuedKey>> next_keys(size_t limit, const std::vector<std::string>& skip_ids,
                                           const std::string& after = std::string()) const;
  // The key's entries as of now (nullopt when none).
  Result<std::optional<QueuedKey>> entries_of(const std::string& bucket,
                                              const std::string& key) const;
  // Erases the key's entries with seq <= max_seq and its multipart record;
  // with a `journal_target`, stages `journal_line` for that target's journal
  // in the same batch.
  // `synced_etag` records the ETag now verified in the cloud (nullopt: the
  // key is gone there) in the same batch.
  Status finish(const std::string& bucket, const std::string& key, uint64_t max_seq,
                const std::string& journal_target = {}, const std::string& journal_line = {},
                const std::optional<std::string>& synced_etag = std::nullopt);
  Result<std::optional<std::string>> synced_etag(const std::string& bucket,
                                                 const std::string& key) const;
  Status set_synced(const std::string& bucket, const std::string& key, const std::string& etag);

  // Journal lines waiting for upload, oldest first: (queue key, line).
  Result<std::vector<std::pair<std::string, std::string>>> journal_pending(
      const std::string& target, size_t limit) const;
  Status erase(const std::vector<std::string>& queue_keys);
  Result<std::optional<std::string>> cursor(const std::string& bucket) const;
  Status set_cursor(const std::string& bucket, const std::string& value);
  // Drops every entry of a bucket (unlink).
  Status drop_bucket(const std::string& bucket);

  Result<std::optional<MultipartProgress>> progress(const std::string& bucket,
                                                    const std::string& key) const;
  Status save_progress(const std::string& bucket, const std::string& key,
                       const MultipartProgress& p);
  Status clear_progress(const std::string& bucket, const std::string& key);

  Result<BacklogStats> stats() const;
  Result<std::map<std::string, BacklogStats>> stats_by_bucket() const;

  // Restore state of a bucket (saved_restore.h owns its format); nullopt
  // when no restore is unfinished.
  Result<std::optional<std::string>> restore_state(const std::string& bucket) const;
  Status set_restore_state(const std::string& bucket, const std::string& value);
  Status clear_restore_state(const std::string& bucket);
  // Buckets with an unfinished restore.
  Result<std::vector<std::string>> restoring_buckets() const;

  // "bucket\0key", the identity workers use for in-flight sets.
  static std::string id(const std::string& bucket, const std::string& key);

 private:
  MetaStore& meta_;
  std::atomic<uint64_t> seq_;
};

}  // namespace skyarray::services
