// ObjectWrites: changing objects — put (and append), copy, delete, and a
// version's tags and ACL. Each change is checked and committed under the
// key's lock.
//
// Part of the object service (object_service.h says what every call
// guarantees: atomic synced commits, owner isolation, threading, errors).
// Arguments are taken by const reference and must outlive the call: co_await
// each call in the statement that makes it.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/async.h"
#include "common/space_reserve.h"
#include "common/status.h"
#include "services/objects/object_records.h"
#include "services/objects/object_types.h"
#include "services/objects/object_writer.h"
#include "services/objects/put_commit_stager.h"

namespace skyarray {
class MetaBatch;
}

namespace skyarray::services {

class ObjectContext;

class ObjectWrites {
 public:
  explicit ObjectWrites(std::shared_ptr<ObjectContext> ctx);

  // Starts a put (or an append when options.append_position is set). Cheap
  // checks (bucket, owner, names, options) fail here; conditions are checked
  // again at commit. `with`, when given, stages its records in the commit's
  // own batch (put_commit_stager.h); the writer keeps it until it is done.
  Task<Result<std::unique_ptr<ObjectWriter>>> put_object(
      const Caller& caller, const std::string& bucket, const std::string& key,
      const PutOptions& options, std::shared_ptr<PutCommitStager> with = nullptr);
  // The window a patch (PutOptions::patch) should replace whole, aligned,
  // so that every replaced window is one chunk of its own and every other
  // chunk is shared: the store's chunk size.
  uint64_t patch_granularity() const;
  // The room the readable drives have for object data: their capacity,
  // used and available bytes divided by the replica count (every byte is
  // stored that many times). statvfs of each drive, no metadata read.
  SpaceUsage space() const;
  // Without version id: unversioned → removes the object (ok if absent);
  // enabled → adds a delete marker; suspended → replaces the null version
  // with a null delete marker. With version id: removes exactly that version
  // (or marker); ok if absent, as in S3.
  Task<Result<DeleteResult>> delete_object(const Caller& caller, const std::string& bucket,
                                           const std::string& key, const DeleteOptions& options);
  // Server-side copy (within or across buckets of the caller). The new
  // version shares the source's chunks (metadata only, no byte copy).
  Task<Result<ObjectInfo>> copy_object(const Caller& caller, const std::string& src_bucket,
                                       const std::string& src_key, const std::string& dst_bucket,
                                       const std::string& dst_key, const CopyOptions& options);

  // Moves every current object whose key starts with `from` to the same
  // key with `to` in place of `from`, all in ONE metadata commit, so every
  // reader (listings included) sees all the old keys or all the new ones.
  // Each object moves as a copy and a delete would: its bytes are shared,
  // not copied; in a versioned bucket the old key gets a delete marker and
  // keeps its older versions; the tier is told of each new key and each
  // deletion. `also` (may be empty) stages the caller's own records in the
  // same batch. Every key lock is held while it runs (a pause of all
  // writes, proportional to the number of objects moved).
  // Errors: kAlreadyExists when an object under `to` exists; kTooLarge when
  // more than `max_objects` would move (nothing moves); kNotSupported when
  // one's bytes are evicted to the cloud tier. Returns how many moved.
  Task<Result<size_t>> rename_prefix(const Caller& caller, const std::string& bucket,
                                     const std::string& from, const std::string& to,
                                     size_t max_objects,
                                     const std::function<Status(MetaBatch*)>& also);

  // Object tags (at most 10; key ≤128, value ≤256 bytes) of the latest (or
  // named) version; returns its version id. A change (the tier is told).
  Task<Result<std::string>> put_object_tagging(const Caller& caller, const std::string& bucket,
                                               const std::string& key, const TagSet& tags,
                                               const std::optional<std::string>& version_id);
  Task<Result<std::string>> delete_object_tagging(const Caller& caller, const std::string& bucket,
                                                  const std::string& key,
                                                  const std::optional<std::string>& version_id);

  // Object Lock (S3 Get/PutObjectRetention, Get/PutObjectLegalHold): the
  // retention of the latest (or named) version becomes `retention` (mode
  // kNone: none) as check_retention_change allows (kPermissionDenied:
  // COMPLIANCE only extended, GOVERNANCE shortened or removed only with
  // `bypass_governance`; kInvalidArgument: a date not in the future); its
  // legal hold is kept. kInvalidArgument in a bucket without Object Lock.
  // A change: the cloud tier carries the lock with its copy. Returns the
  // version id.
  Task<Result<std::string>> put_object_retention(const Caller& caller, const std::string& bucket,
                                                 const std::string& key,
                                                 const std::optional<std::string>& version_id,
                                                 const ObjectLock& retention,
                                                 bool bypass_governance);
  // Turns the version's legal hold on or off (its retention is kept).
  Task<Result<std::string>> put_object_legal_hold(const Caller& caller, const std::string& bucket,
                                                  const std::string& key,
                                                  const std::optional<std::string>& version_id,
                                                  bool on);

  // Replaces that version's ACL; returns its version id. Not a change of
  // the object (the cloud tier is not told: ACLs stay on the array).
  Task<Result<std::string>> put_object_acl(const Caller& caller, const std::string& bucket,
                                           const std::string& key,
                                           const std::optional<std::string>& version_id,
                                           const AccessControlList& acl);

 private:
  // Loads the addressed version of bucket/key (latest by default), applies
  // `mutate` (which may refuse) and rewrites it (and the latest pointer when
  // it is the latest), telling the tier when `notify`. Blocking; returns the
  // version id.
  using RecordMutation = std::function<Status(const BucketRecord&, ObjectRecord&)>;
  Result<std::string> update_object_record(const Caller& caller, const std::string& bucket,
                                           const std::string& key,
                                           const std::optional<std::string>& version_id,
                                           const RecordMutation& mutate, bool notify);

  std::shared_ptr<ObjectContext> ctx_;
};

}  // namespace skyarray::services
