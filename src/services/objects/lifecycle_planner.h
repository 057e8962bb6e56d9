// What the lifecycle rules of a bucket do to one key now: the pure decision
// the lifecycle worker (object_lifecycle.h) applies under the key's lock
// and its dry run reports. Decided from the stored versions alone, so
// deciding again after a crash gives the same answer minus what was done
// (a removed version is no longer there, an expired current version is
// now behind a delete marker): applying a plan twice never acts twice.
//
// S3's semantics:
// - Expiration (Days/Date) acts on the current version when it is not a
//   delete marker: removed in an unversioned bucket, hidden behind a new
//   delete marker in a versioned (or suspended) one.
// - NoncurrentVersionExpiration removes a noncurrent version (delete
//   markers included) once it has been noncurrent NoncurrentDays, counted
//   from when its successor was made; the NewerNoncurrentVersions newest
//   noncurrent versions are kept whatever their age.
// - ExpiredObjectDeleteMarker removes a delete marker that is the key's only
//   version.
// - AbortIncompleteMultipartUpload aborts an upload DaysAfterInitiation
//   after it was created.
// The first enabled rule selecting a version decides its action.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "services/objects/lifecycle_configuration.h"
#include "services/objects/object_records.h"

namespace skyarray::services {

struct LifecycleAction {
  enum class Kind : uint8_t {
    kExpireCurrent,
    kExpireNoncurrent,
    kRemoveDeleteMarker,
    kAbortUpload
  };
  Kind kind = Kind::kExpireCurrent;
  std::string key;
  uint64_t seq = 0;        // the version acted on (not for uploads)
  std::string version_id;  // its id, or the upload id
  std::string rule_id;
  int64_t due_ns = 0;
  uint64_t size = 0;
};

std::string_view lifecycle_action_name(LifecycleAction::Kind kind);

// The actions due at `now_ns` on the versions of `key`, newest first (as
// stored under "V").
std::vector<LifecycleAction> plan_versions(const LifecycleConfiguration& config,
                                           const std::string& key,
                                           const std::vector<ObjectRecord>& versions,
                                           int64_t now_ns);

// The abort due at `now_ns` for an upload of `key`, if any.
std::optional<LifecycleAction> plan_upload(const LifecycleConfiguration& config,
                                           const std::string& key, const std::string& upload_id,
                                           const UploadRecord& upload, int64_t now_ns);

}  // namespace skyarray::services
