// Object Lock in the object service: every path that removes a version
// refuses while it is protected — whoever asks (the system caller that the
// cloud tier, files and admin paths use included) — until the retention
// clock passes the date; GOVERNANCE gives way to a bypass, COMPLIANCE to
// nothing; legal hold blocks until removed; the lock survives a reopen.
#include <gtest/gtest.h>

#include "service_test_util.h"
#include "services/objects/object_lock_rules.h"
#include "services/objects/object_rules.h"

namespace skyarray::services::testing {
namespace {

constexpr int64_t kNsPerSec = 1000000000;
// 2045-01-01T00:00:00Z and 2099-01-01T00:00:00Z.
constexpr int64_t k2045 = int64_t{2366841600} * kNsPerSec;
constexpr int64_t k2099 = int64_t{4070908800} * kNsPerSec;

class ObjectLockTest : public ServiceFixture {
 protected:
  void make_locked_bucket(const std::string& name) {
    CreateBucketOptions o;
    o.object_lock_enabled = true;
    auto b = run(service_->buckets().create_bucket(alice_, name, o));
    ASSERT_TRUE(b.is_ok()) << b.status().to_string();
    EXPECT_EQ(b->versioning, VersioningState::kEnabled);
  }
  Result<ObjectInfo> put_locked(const std::string& key, RetentionMode mode, int64_t until,
                                bool hold = false) {
    PutOptions o;
    o.lock = ObjectLock{mode, until, hold};
    return put(alice_, "vault", key, "report " + key, o);
  }
  Result<DeleteResult> remove(const Caller& c, const std::string& key, const std::string& version,
                              bool bypass = false) {
    DeleteOptions d;
    if (!version.empty()) d.version_id = version;  // "": without a version id
    d.bypass_governance = bypass;
    return run(service_->writes().delete_object(c, "vault", key, d));
  }
  // Moves the retention clock to `ns` (plus a minute).
  void move_clock_past(int64_t ns) {
    auto now = std::chrono::system_clock::now();
    auto ahead = std::chrono::duration_cast<std::chrono::seconds>(from_ns(ns) - now);
    service_->retention_clock().set_offset(ahead + std::chrono::seconds(60));
  }
  Caller system_{"", true};
};

TEST_F(ObjectLockTest, ComplianceRefusesEveryRemovalUntilTheClockPassesTheDate) {
  make_locked_bucket("vault");
  auto v = put_locked("a", RetentionMode::kCompliance, k2099);
  ASSERT_TRUE(v.is_ok()) << v.status().to_string();
  EXPECT_EQ(v->lock.mode, RetentionMode::kCompliance);
  EXPECT_EQ(remove(alice_, "a", v->version_id).status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(remove(alice_, "a", v->version_id, true).status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(remove(system_, "a", v->version_id, true).status().code(),
            StatusCode::kPermissionDenied);
  // Without a version id: a delete marker, as S3; the version stays.
  auto marker = remove(alice_, "a", "");
  ASSERT_TRUE(marker.is_ok());
  EXPECT_TRUE(marker->delete_marker);
  GetOptions g;
  g.version_id = v->version_id;
  EXPECT_TRUE(get(alice_, "vault", "a", g).is_ok());
  // Cannot shorten, remove or turn into GOVERNANCE; extending works.
  ObjectLock shorter{RetentionMode::kCompliance, k2045, false};
  std::optional<std::string> vid = v->version_id;
  EXPECT_EQ(run(service_->writes().put_object_retention(system_, "vault", "a", vid, shorter, true))
                .status()
                .code(),
            StatusCode::kPermissionDenied);
  ObjectLock governance{RetentionMode::kGovernance, k2099 + kNsPerSec, false};
  EXPECT_EQ(
      run(service_->writes().put_object_retention(alice_, "vault", "a", vid, governance, true))
          .status()
          .code(),
      StatusCode::kPermissionDenied);
  ObjectLock none;
  EXPECT_EQ(run(service_->writes().put_object_retention(alice_, "vault", "a", vid, none, true))
                .status()
                .code(),
            StatusCode::kPermissionDenied);
  ObjectLock longer{RetentionMode::kCompliance, k2099 + 86400 * kNsPerSec, false};
  EXPECT_TRUE(run(service_->writes().put_object_retention(alice_, "vault", "a", vid, longer, false))
                  .is_ok());
  EXPECT_TRUE(run(service_->versions().has_protected_version(system_, "vault", "a")).value());
  // The bucket cannot go while the version is there.
  EXPECT_EQ(run(service_->buckets().delete_bucket(alice_, "vault")).code(), StatusCode::kNotEmpty);

  // Past the date (by the retention clock) the version may go.
  move_clock_past(k2099);
  EXPECT_EQ(remove(alice_, "a", v->version_id).status().code(), StatusCode::kPermissionDenied)
      << "extended by a day";
  move_clock_past(longer.retain_until_ns);
  EXPECT_FALSE(run(service_->versions().has_protected_version(system_, "vault", "a")).value());
  ASSERT_TRUE(remove(alice_, "a", v->version_id).is_ok());
  ASSERT_TRUE(remove(alice_, "a", marker->version_id).is_ok());
  EXPECT_TRUE(run(service_->buckets().delete_bucket(alice_, "vault")).is_ok());
}

TEST_F(ObjectLockTest, GovernanceGivesWayOnlyToABypass) {
  make_locked_bucket("vault");
  auto v = put_locked("g", RetentionMode::kGovernance, k2045);
  ASSERT_TRUE(v.is_ok());
  EXPECT_EQ(remove(alice_, "g", v->version_id).status().code(), StatusCode::kPermissionDenied);
  std::optional<std::string> vid = v->version_id;
  ObjectLock shorter{RetentionMode::kGovernance, k2045 - 86400 * kNsPerSec, false};
  EXPECT_EQ(run(service_->writes().put_object_retention(alice_, "vault", "g", vid, shorter, false))
                .status()
                .code(),
            StatusCode::kPermissionDenied);
  EXPECT_TRUE(run(service_->writes().put_object_retention(alice_, "vault", "g", vid, shorter, true))
                  .is_ok());
  EXPECT_TRUE(remove(alice_, "g", v->version_id, true).is_ok());
}

TEST_F(ObjectLockTest, LegalHoldBlocksUntilRemoved) {
  make_locked_bucket("vault");
  auto v = put_locked("h", RetentionMode::kNone, 0, true);
  ASSERT_TRUE(v.is_ok());
  EXPECT_TRUE(v->lock.legal_hold);
  move_clock_past(k2099);
  EXPECT_EQ(remove(system_, "h", v->version_id, true).status().code(),
            StatusCode::kPermissionDenied);
  std::optional<std::string> vid = v->version_id;
  ASSERT_TRUE(
      run(service_->writes().put_object_legal_hold(alice_, "vault", "h", vid, false)).is_ok());
  EXPECT_TRUE(remove(alice_, "h", v->version_id).is_ok());
}

TEST_F(ObjectLockTest, DefaultRetentionVersioningAndRefusals) {
  make_locked_bucket("vault");
  ObjectLockConfiguration c;
  c.enabled = true;
  c.default_mode = RetentionMode::kCompliance;
  c.default_years = 15;
  ASSERT_TRUE(run(service_->buckets().put_object_lock_configuration(alice_, "vault", c)).is_ok());
  auto v = put(alice_, "vault", "study", "pixels");
  ASSERT_TRUE(v.is_ok());
  EXPECT_EQ(v->lock.mode, RetentionMode::kCompliance);
  const int64_t fifteen_years = int64_t{15} * 365 * 86400 * kNsPerSec;
  EXPECT_NEAR(static_cast<double>(v->lock.retain_until_ns - now_ns()),
              static_cast<double>(fifteen_years), 120.0 * kNsPerSec);
  EXPECT_EQ(
      run(service_->buckets().set_bucket_versioning(alice_, "vault", VersioningState::kSuspended))
          .code(),
      StatusCode::kConflict);
  // A bucket without Object Lock refuses locks; the configuration needs
  // versioning first.
  make_bucket("plain", alice_);
  PutOptions o;
  o.lock = ObjectLock{RetentionMode::kGovernance, k2045, false};
  EXPECT_EQ(put(alice_, "plain", "x", "y", o).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(run(service_->buckets().get_object_lock_configuration(alice_, "plain")).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(run(service_->buckets().put_object_lock_configuration(alice_, "plain", c)).code(),
            StatusCode::kConflict);
  // A date in the past is refused.
  o.lock.retain_until_ns = now_ns() - kNsPerSec;
  EXPECT_EQ(put(alice_, "vault", "x", "y", o).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(ObjectLockTest, LockSurvivesReopen) {
  make_locked_bucket("vault");
  auto v = put_locked("r", RetentionMode::kCompliance, k2045, true);
  ASSERT_TRUE(v.is_ok());
  ASSERT_TRUE(open().is_ok());
  GetOptions g;
  g.version_id = v->version_id;
  auto head = run(service_->reads().head_object(alice_, "vault", "r", g));
  ASSERT_TRUE(head.is_ok());
  EXPECT_EQ(head->lock, (ObjectLock{RetentionMode::kCompliance, k2045, true}));
  EXPECT_EQ(remove(system_, "r", v->version_id, true).status().code(),
            StatusCode::kPermissionDenied);
  auto cfg = run(service_->buckets().get_object_lock_configuration(alice_, "vault"));
  ASSERT_TRUE(cfg.is_ok());
  EXPECT_TRUE(cfg->enabled);
}

TEST(ObjectLockRules, RetentionChanges) {
  const int64_t now = k2045 - 1000 * kNsPerSec;
  ObjectLock gov{RetentionMode::kGovernance, k2045, false};
  ObjectLock comp{RetentionMode::kCompliance, k2045, false};
  ObjectLock later_comp{RetentionMode::kCompliance, k2099, false};
  ObjectLock earlier_gov{RetentionMode::kGovernance, k2045 - kNsPerSec, false};
  EXPECT_TRUE(check_retention_change(gov, later_comp, now, false).is_ok());
  EXPECT_FALSE(check_retention_change(gov, earlier_gov, now, false).is_ok());
  EXPECT_TRUE(check_retention_change(gov, earlier_gov, now, true).is_ok());
  EXPECT_TRUE(check_retention_change(comp, later_comp, now, false).is_ok());
  EXPECT_FALSE(check_retention_change(later_comp, comp, now, true).is_ok());
  // Expired: anything goes.
  EXPECT_TRUE(check_retention_change(comp, ObjectLock{}, k2045 + 1, false).is_ok());
  ObjectLockConfiguration c;
  c.enabled = true;
  c.default_mode = RetentionMode::kGovernance;
  EXPECT_FALSE(validate_lock_configuration(c).is_ok());
  c.default_days = 1;
  EXPECT_TRUE(validate_lock_configuration(c).is_ok());
  c.default_years = 1;
  EXPECT_FALSE(validate_lock_configuration(c).is_ok());
}

}  // namespace
}  // namespace skyarray::services::testing
