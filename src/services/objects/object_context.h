// ObjectContext: what the parts of the object service share, and nothing
// else — the stores they write, the locks that order their commits, the
// cloud tier's ports and the bucket access cache, plus the record helpers
// every part needs (load a bucket or a version, stage a new version). One
// per ObjectService, handed to each part explicitly; not a public header
// (front ends include object_service.h).
//
// Locking: the buckets lock is taken shared by every object change and
// exclusive by bucket create/delete/update, so a bucket cannot vanish under
// a commit. A striped lock per (bucket, key) serialises read-check-commit
// sequences on one key (KeyGuard takes both). Locks are only taken inside
// blocking-pool closures and never held across a co_await.
#pragma once

#include <array>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/clock.h"
#include "common/mutex.h"
#include "common/status.h"
#include "services/objects/object_records.h"
#include "services/objects/object_service_options.h"
#include "services/objects/object_types.h"
#include "services/security/authorizer.h"

namespace skyarray {
class Runtime;
class MetaStore;
class MetaBatch;
class BlobStore;
}  // namespace skyarray

namespace skyarray::services {

class ObjectChangeStager;
class KeyStore;
class ObjectReader;
class TieringPort;

class ObjectContext {
 public:
  // The stores are not owned and outlive the context.
  ObjectContext(Runtime& runtime, MetaStore& meta, BlobStore& blobs, ObjectServiceOptions options);
  ObjectContext(const ObjectContext&) = delete;
  ObjectContext& operator=(const ObjectContext&) = delete;

  Runtime& runtime() const { return rt_; }
  MetaStore& meta() const { return meta_; }
  BlobStore& blobs() const { return blobs_; }
  const ObjectServiceOptions& options() const { return options_; }
  // The one clock of retention decisions (Object Lock), offset by
  // options().retention_clock_offset; tests may move it.
  Clock& clock() const { return clock_; }

  // ------------------------------------------------------------ ports
  // The ports (not owned; nullptr: none). Set before serving.
  void set_change_stager(ObjectChangeStager* stager) { stager_ = stager; }
  void set_tiering(TieringPort* tiering) { tiering_ = tiering; }
  // The key store of encryption at rest; without one, SSE-S3 and SSE-KMS
  // are refused (kNotSupported).
  void set_key_store(const KeyStore* keys) { keys_ = keys; }
  const KeyStore* key_store() const { return keys_; }
  // kReadOnly when the tier refuses changes in `bucket`; OK without a hook.
  Status check_writable(const Caller& caller, const std::string& bucket) const;
  // Stages the tier's work for a change of bucket/key into `batch` (size of
  // the new visible version, 0 when deleted).
  Status stage_change(MetaBatch* batch, const std::string& bucket, const std::string& key,
                      uint64_t size) const;
  // The cheap checks of a new object version before its body is taken:
  // key, options (object_rules.h) and the tier's check_writable().
  Status check_new_version(const Caller& caller, const std::string& bucket, const std::string& key,
                           const PutOptions& options) const;
  void note_read(const Caller& caller, const std::string& bucket, const std::string& key) const;
  // A reader of an evicted version's bytes (kNotSupported without a tier).
  Result<std::unique_ptr<ObjectReader>> open_evicted(const ObjectInfo& info, uint64_t first,
                                                     uint64_t length) const;

  // ------------------------------------------------------------ locks
  // Taken exclusive (WriterLock) by bucket create, delete and update.
  SharedMutex& buckets_mu() { return buckets_mu_; }

  // Holds the buckets lock shared and the stripe lock of one key, or of two
  // keys in a fixed order (one lock when they share a stripe): what every
  // read-check-commit of an object takes.
  // Thread-safety analysis cannot name a stripe chosen at run time, so the
  // guard's own locking is unchecked.
  // On a network thread inside Runtime::cached_or_blocking it only tries the
  // locks: when one is taken it holds none, notes would-block, and held() is
  // false; the caller then fails and the work is redone on the pool.
  class KeyGuard {
   public:
    KeyGuard(ObjectContext& ctx, std::string_view bucket, std::string_view key);
    KeyGuard(ObjectContext& ctx, std::string_view bucket_a, std::string_view key_a,
             std::string_view bucket_b, std::string_view key_b) NO_THREAD_SAFETY_ANALYSIS;
    ~KeyGuard() NO_THREAD_SAFETY_ANALYSIS;
    KeyGuard(const KeyGuard&) = delete;
    KeyGuard& operator=(const KeyGuard&) = delete;
    bool held() const { return held_; }

   private:
    bool try_lock() NO_THREAD_SAFETY_ANALYSIS;

    ObjectContext& ctx_;
    size_t first_, second_;
    bool held_ = true;
  };

  // Holds the buckets lock shared and every key stripe, in stripe order (as
  // KeyGuard takes its two, so the two never deadlock): a change of many
  // keys in one commit. Blocking pool only.
  class AllKeysGuard {
   public:
    explicit AllKeysGuard(ObjectContext& ctx) NO_THREAD_SAFETY_ANALYSIS;
    ~AllKeysGuard() NO_THREAD_SAFETY_ANALYSIS;
    AllKeysGuard(const AllKeysGuard&) = delete;
    AllKeysGuard& operator=(const AllKeysGuard&) = delete;

   private:
    ObjectContext& ctx_;
  };

  // ------------------------------------------------------------ records
  // Blocking: call inside runtime().blocking().

  // The bucket record, checking the caller may use it.
  Result<BucketRecord> load_bucket(const Caller& caller, const std::string& bucket) const;
  Result<std::optional<ObjectRecord>> load_latest(const std::string& bucket,
                                                  const std::string& key) const;
  // Newest entry of the version list (may be a delete marker).
  Result<std::optional<ObjectRecord>> load_top_version(const std::string& bucket,
                                                       const std::string& key) const;
  // A named version ("null" included); kNoSuchVersion when absent.
  Result<ObjectRecord> load_version(const std::string& bucket, const std::string& key,
                                    const std::string& version_id) const;
  // The named version, or the latest without a version id: kNotFound when
  // there is no latest, kMethodNotAllowed when the named one is a marker.
  Result<ObjectRecord> load_addressed(const std::string& bucket, const std::string& key,
                                      const std::optional<std::string>& version_id) const;
  // The source of a copy: the named version or the latest, its conditions
  // passed (not-modified is kPreconditionFailed) and its bytes local
  // (kNotSupported when evicted).
  Result<ObjectRecord> load_copy_source(const std::string& bucket, const std::string& key,
                                        const CopyOptions& source) const;
  Result<std::optional<ObjectRecord>> find_null_version(const std::string& bucket,
                                                        const std::string& key) const;
  BucketInfo bucket_info(const std::string& name, const BucketRecord& rec) const;

  // Installs `rec` as the newest version of bucket/key in `batch`: assigns
  // its seq, gives it its Object Lock (the one asked for in rec->lock, else
  // the bucket's default retention; kInvalidArgument for a lock in a bucket
  // without Object Lock), replaces the null version in unversioned/suspended
  // buckets (releasing its bytes; kPermissionDenied while it is locked),
  // updates latest pointer and counters, stages rec.blob and the tier's
  // change. Caller holds a KeyGuard.
  Status stage_new_version(MetaBatch* batch, const BucketRecord& bucket_rec,
                           const std::string& bucket, const std::string& key, ObjectRecord* rec,
                           bool stage_blob = true);
  // Stages `part` as part `number` of the upload, releasing the part it
  // replaces. Caller holds a KeyGuard.
  Status stage_part(MetaBatch* batch, const std::string& bucket, const std::string& key,
                    const std::string& upload_id, uint32_t number, const PartRecord& part);
  // Removes one stored version (record, its bytes, counters), fixing up the
  // latest pointer when it was the newest. Caller holds a KeyGuard.
  // kPermissionDenied, and nothing staged, while the version is protected by
  // Object Lock (object_lock_rules.h: check_removable), whoever the caller.
  Status stage_remove_version(MetaBatch* batch, const std::string& bucket, const std::string& key,
                              const ObjectRecord& rec, bool bypass_governance = false);

  // ------------------------------------------------------------ access cache
  // BucketAccess of `bucket` when cached; else nullptr and the generation a
  // load must present to remember() its result.
  std::shared_ptr<const BucketAccess> cached_access(const std::string& bucket,
                                                    uint64_t* generation) const;
  // Caches a loaded BucketAccess unless a commit forgot the bucket since
  // `generation` (the load may have read the old record).
  void remember_access(const std::string& bucket, uint64_t generation,
                       std::shared_ptr<const BucketAccess> access);
  // Drops the bucket's entry: called after every commit of its record.
  void forget_access(const std::string& bucket);

 private:
  static constexpr size_t kStripes = 256;
  size_t stripe(std::string_view bucket, std::string_view key) const;

  Runtime& rt_;
  MetaStore& meta_;
  BlobStore& blobs_;
  const ObjectServiceOptions options_;
  mutable Clock clock_;
  ObjectChangeStager* stager_ = nullptr;
  TieringPort* tiering_ = nullptr;
  const KeyStore* keys_ = nullptr;

  SharedMutex buckets_mu_;
  // Guard no member: each orders the commits of the keys hashed to it.
  std::array<Mutex, kStripes> key_mu_;

  mutable Mutex access_mu_;
  uint64_t access_generation_ GUARDED_BY(access_mu_) = 0;
  std::unordered_map<std::string, std::shared_ptr<const BucketAccess>> access_cache_
      GUARDED_BY(access_mu_);
};

}  // namespace skyarray::services
