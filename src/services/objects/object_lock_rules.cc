// Object Lock rules (object_lock_rules.h).
#include "services/objects/object_lock_rules.h"

namespace skyarray::services {

namespace {

constexpr int64_t kNsPerDay = int64_t{86400} * 1000000000;

Status locked(const char* why) {
  return Status::permission_denied(std::string("Access Denied because object protected by object "
                                               "lock: ") +
                                   why);
}

}  // namespace

Status validate_requested_lock(const ObjectLock& lock, int64_t now_ns) {
  if (lock.mode == RetentionMode::kNone) {
    if (lock.retain_until_ns != 0) {
      return Status::invalid_argument("a retain until date needs a retention mode");
    }
    return Status::ok();
  }
  if (lock.retain_until_ns <= now_ns) {
    return Status::invalid_argument("the retain until date must be in the future");
  }
  return Status::ok();
}

Status validate_lock_configuration(const ObjectLockConfiguration& c) {
  if (!c.enabled) {
    return Status::invalid_argument("ObjectLockEnabled must be Enabled");
  }
  if (c.default_mode == RetentionMode::kNone) {
    if (c.default_days || c.default_years) {
      return Status::invalid_argument("a default retention needs a mode");
    }
    return Status::ok();
  }
  if ((c.default_days == 0) == (c.default_years == 0)) {
    return Status::invalid_argument("a default retention needs either Days or Years");
  }
  if (c.default_days > kMaxDefaultRetentionDays || c.default_years > kMaxDefaultRetentionYears) {
    return Status::invalid_argument("the default retention period is too long");
  }
  return Status::ok();
}

Result<ObjectLock> lock_for_new_version(const BucketRecord& bucket, const ObjectLock& requested,
                                        int64_t now_ns) {
  const ObjectLockConfiguration& c = bucket.object_lock;
  if (!c.enabled) {
    if (!requested.empty()) {
      return Status::invalid_argument("Bucket is missing Object Lock Configuration");
    }
    return ObjectLock{};
  }
  ObjectLock lock = requested;
  if (lock.mode == RetentionMode::kNone && c.default_mode != RetentionMode::kNone) {
    // S3 counts a year as 365 days for default retention.
    const int64_t days = c.default_days ? c.default_days : int64_t{365} * c.default_years;
    lock.mode = c.default_mode;
    lock.retain_until_ns = now_ns + days * kNsPerDay;
  }
  return lock;
}

Status check_removable(const ObjectRecord& rec, int64_t now_ns, bool bypass_governance) {
  if (rec.delete_marker) return Status::ok();
  const ObjectLock& l = rec.lock;
  if (l.legal_hold) return locked("a legal hold is on");
  if (!l.retained_at(now_ns)) return Status::ok();
  if (l.mode == RetentionMode::kCompliance) return locked("COMPLIANCE retention");
  if (!bypass_governance) return locked("GOVERNANCE retention");
  return Status::ok();
}

Status check_retention_change(const ObjectLock& current, const ObjectLock& wanted, int64_t now_ns,
                              bool bypass_governance) {
  if (!current.retained_at(now_ns)) return Status::ok();
  const bool keeps =
      wanted.mode != RetentionMode::kNone && wanted.retain_until_ns >= current.retain_until_ns;
  if (current.mode == RetentionMode::kCompliance) {
    if (keeps && wanted.mode == RetentionMode::kCompliance) return Status::ok();
    return locked("COMPLIANCE retention can only be extended");
  }
  // GOVERNANCE: extending (or hardening to COMPLIANCE) needs nothing more.
  if (keeps || bypass_governance) return Status::ok();
  return locked("GOVERNANCE retention is shortened or removed only with a bypass");
}

}  // namespace skyarray::services
