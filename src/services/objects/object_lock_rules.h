// The rules of S3 Object Lock that need no state: what a new version's lock
// is, whether a version may be removed, whether a retention may be changed.
// The object service applies them under the key's lock, with "now" from its
// one retention clock (ObjectContext::clock(), common/clock.h), on every
// path that removes or changes a version — S3, the files and DICOM
// services, the cloud tier, admin — so that none can go around them.
// Internal to services/objects.
#pragma once

#include <cstdint>

#include "common/status.h"
#include "services/objects/object_records.h"
#include "services/objects/object_types.h"

namespace skyarray::services {

// Longest default retention (S3 accepts up to 100 years; so do we).
inline constexpr uint32_t kMaxDefaultRetentionDays = 36500;
inline constexpr uint32_t kMaxDefaultRetentionYears = 100;

// A lock asked for a new version or put on one: a retention date must be
// in the future and come with a mode (kInvalidArgument).
Status validate_requested_lock(const ObjectLock& lock, int64_t now_ns);

// A bucket's Object Lock configuration: a default retention has a mode and
// exactly one of days (1..36500) and years (1..100) (kInvalidArgument).
Status validate_lock_configuration(const ObjectLockConfiguration& config);

// The lock a new version of a bucket gets: the one asked for, whose
// retention (when it names none) is the bucket's default counted from
// `now_ns`. kInvalidArgument when a lock is asked for in a bucket without
// Object Lock. Delete markers get none.
Result<ObjectLock> lock_for_new_version(const BucketRecord& bucket, const ObjectLock& requested,
                                        int64_t now_ns);

// kPermissionDenied when `rec` may not be removed at `now_ns`: a legal hold,
// COMPLIANCE retention before its date, or GOVERNANCE retention before its
// date without `bypass_governance`.
Status check_removable(const ObjectRecord& rec, int64_t now_ns, bool bypass_governance);

// Whether the retention of a version whose lock is `current` may become
// `wanted` (mode kNone: removed). Extending, or setting one where none is
// in force, is always allowed. Shortening, removing or a change of mode of
// a retention in force: never for COMPLIANCE, only with
// `bypass_governance` for GOVERNANCE (kPermissionDenied).
Status check_retention_change(const ObjectLock& current, const ObjectLock& wanted, int64_t now_ns,
                              bool bypass_governance);

}  // namespace skyarray::services
