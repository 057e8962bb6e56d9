// Internals shared by the object service's translation units (not a public
// header: front ends include object_service.h).
//
// Locking: `buckets_mu` is taken shared by every object change and exclusive
// by bucket create/delete, so a bucket cannot vanish under a commit. A
// striped mutex per (bucket, key) serialises read-check-commit sequences on
// one key. Locks are only taken inside blocking-pool closures and never held
// across a co_await.
#pragma once

#include <array>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "common/runtime.h"
#include "meta/meta_store.h"
#include "services/objects/object_records.h"
#include "services/objects/object_service.h"
#include "store/blob_store.h"

namespace skyarray::services {

struct ObjectService::Impl {
  Impl(Runtime& r, MetaStore& m, BlobStore& b, ObjectServiceOptions o)
      : rt(r), meta(m), blobs(b), options(std::move(o)) {}

  Runtime& rt;
  MetaStore& meta;
  BlobStore& blobs;
  ObjectServiceOptions options;
  ObjectChangeStager* change_stager = nullptr;
  TieringPort* tiering = nullptr;
  Status check_writable(const Caller& caller, const std::string& bucket) const {
    return tiering ? tiering->check_writable(caller, bucket) : Status::ok();
  }

  // Bucket access cache (bucket_access()): filled on a miss, dropped by
  // forget_access() after every commit of a bucket record. The generation
  // keeps a load that raced with a commit from caching the old record.
  std::mutex access_mu;
  uint64_t access_generation = 0;
  std::unordered_map<std::string, std::shared_ptr<const BucketAccess>> access_cache;
  void forget_access(const std::string& bucket);

  std::shared_mutex buckets_mu;
  static constexpr size_t kStripes = 256;
  std::array<std::mutex, kStripes> key_mu;

  size_t stripe(std::string_view bucket, std::string_view key) const;
  // Locks the stripes of two keys in a fixed order (one lock if shared).
  class KeyLocks {
   public:
    KeyLocks(Impl& impl, size_t a, size_t b);
    ~KeyLocks();

   private:
    Impl& impl_;
    size_t first_, second_;
  };

  // ---- blocking helpers (call inside rt.blocking) ----

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
  Result<std::optional<ObjectRecord>> find_null_version(const std::string& bucket,
                                                        const std::string& key) const;
  BucketInfo bucket_info(const std::string& name, const BucketRecord& rec) const;

  // Installs `rec` as the newest version of bucket/key in `batch`: assigns
  // its seq, replaces the null version in unversioned/suspended buckets
  // (releasing its bytes), updates latest pointer and counters, and stages
  // rec.blob. Caller holds the key lock and a shared buckets_mu.
  Status stage_new_version(MetaBatch* batch, const BucketRecord& bucket_rec,
                           const std::string& bucket, const std::string& key, ObjectRecord* rec,
                           bool stage_blob = true);
  // Removes one stored version (record, its bytes, counters), fixing up the
  // latest pointer when it was the newest.
  Status stage_remove_version(MetaBatch* batch, const std::string& bucket, const std::string& key,
                              const ObjectRecord& rec);
};

// Read-modify-write of a bucket record under the exclusive bucket lock
// (blocking); refreshes the access cache.
Status update_bucket(ObjectService::Impl& impl, const Caller& caller, const std::string& name,
                     const std::function<Status(BucketRecord&)>& mutate);

// Loads the addressed version of bucket/key (latest by default), applies
// `mutate` and rewrites it (and the latest pointer when it is the latest),
// telling the change hook when `notify`. Blocking; returns the version id.
Result<std::string> update_object_record(ObjectService::Impl& impl, const Caller& caller,
                                         const std::string& bucket, const std::string& key,
                                         const std::optional<std::string>& version_id,
                                         const std::function<void(ObjectRecord&)>& mutate,
                                         bool notify);

// Evaluates read conditions against `rec` (nullopt: no such object).
// `copy_source`: a not-modified outcome is kPreconditionFailed.
Status check_read_conditions(const Conditions& c, const ObjectRecord& rec, bool copy_source);
// Write conditions (If-Match / If-None-Match) against the current version.
Status check_write_conditions(const std::vector<std::string>& if_match,
                              const std::vector<std::string>& if_none_match,
                              const std::optional<ObjectRecord>& current);
// DeleteObject's conditions against the current version: If-Match as for
// writes (kNotFound when absent), last-modified time (second precision) and
// size → kPreconditionFailed when they differ; these two pass when absent.
Status check_delete_conditions(const DeleteOptions& options,
                               const std::optional<ObjectRecord>& current);
Status validate_key(const std::string& key);
// CRC32, CRC32C and CRC64NVME: the algorithms whose object CRC can be built
// from its pieces' CRCs.
bool is_crc(ChecksumAlgorithm a);
// The CRC (raw, big-endian) of a + b from the CRCs of a and b, b being len_b
// bytes long; nullopt for an algorithm that is not a CRC.
std::optional<std::string> combine_crc(ChecksumAlgorithm alg, const std::string& a,
                                       const std::string& b, uint64_t len_b);
Status validate_object_tags(const TagSet& tags);
int64_t now_ns();
std::string random_hex(size_t bytes);

}  // namespace skyarray::services
