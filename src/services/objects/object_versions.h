// ObjectVersions: the version history of keys — list every version and
// delete marker, and find the delete marker a read runs into.
//
// Part of the object service (object_service.h says what every call
// guarantees: atomic synced commits, owner isolation, threading, errors).
// Arguments are taken by const reference and must outlive the call: co_await
// each call in the statement that makes it.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/async.h"
#include "common/status.h"
#include "services/objects/object_types.h"

namespace skyarray::services {

class ObjectContext;

class ObjectVersions {
 public:
  explicit ObjectVersions(std::shared_ptr<ObjectContext> ctx);

  Task<Result<ListVersionsResult>> list_object_versions(const Caller& caller,
                                                        const std::string& bucket,
                                                        const ListVersionsOptions& options);

  // The delete marker a read of `key` (its latest version, or `version_id`)
  // runs into, when there is one: S3 answers such a GET/HEAD with 404 (latest)
  // or 405 (by version id) plus x-amz-delete-marker, x-amz-version-id and,
  // for 405, Last-Modified. nullopt when the addressed version is not a
  // delete marker or does not exist.
  Task<Result<std::optional<ObjectInfo>>> delete_marker(
      const Caller& caller, const std::string& bucket, const std::string& key,
      const std::optional<std::string>& version_id);

  // Whether a version of bucket/key is protected by Object Lock now (a
  // retention in force by the retention clock, or a legal hold). The cloud
  // tier asks before it deletes its copy of a key whose latest version went.
  Task<Result<bool>> has_protected_version(const Caller& caller, const std::string& bucket,
                                           const std::string& key);

 private:
  std::shared_ptr<ObjectContext> ctx_;
};

}  // namespace skyarray::services
