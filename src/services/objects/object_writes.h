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
#include "common/status.h"
#include "services/objects/object_records.h"
#include "services/objects/object_types.h"
#include "services/objects/object_writer.h"
#include "services/objects/put_commit_stager.h"

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
