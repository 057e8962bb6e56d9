// The lifecycle worker over a real metadata and blob store, with the
// retention clock moved days and years ahead: current versions expire on
// their day (removed, or hidden behind a delete marker when versioned),
// noncurrent versions after their noncurrent days, sole delete markers and
// old uploads go, nothing outside a filter is touched, Object Lock wins, a
// pass runs in bounded steps and resumes after a restart without acting
// twice, and the dry run changes nothing.
#include <gtest/gtest.h>

#include "service_test_util.h"
#include "services/objects/object_lifecycle.h"
#include "services/objects/object_records.h"

namespace skyarray::services::testing {
namespace {

constexpr int64_t kNsPerSec = 1000000000;
// 2099-01-01T00:00:00Z.
constexpr int64_t k2099 = int64_t{4070908800} * kNsPerSec;

LifecycleRule rule(std::string id, std::string prefix = "") {
  LifecycleRule r;
  r.id = std::move(id);
  r.filter.form = FilterForm::kPrefix;
  r.filter.prefix = std::move(prefix);
  return r;
}

class ObjectLifecycleTest : public ServiceFixture {
 protected:
  void configure(const std::string& bucket, std::vector<LifecycleRule> rules) {
    LifecycleConfiguration c;
    c.rules = std::move(rules);
    Status s = run(service_->buckets().put_lifecycle_configuration(alice_, bucket, c));
    ASSERT_TRUE(s.is_ok()) << s.to_string();
  }
  void days_ahead(int days) {
    service_->retention_clock().set_offset(std::chrono::hours(24 * days));
  }
  // Steps until the passes are done.
  void run_passes(ObjectService& svc) {
    for (int i = 0; i < 1000; ++i) {
      auto more = run(svc.lifecycle().step());
      ASSERT_TRUE(more.is_ok()) << more.status().to_string();
      if (!*more) return;
    }
    FAIL() << "the lifecycle pass never ended";
  }
  void run_passes() { run_passes(*service_); }
  bool exists(const std::string& bucket, const std::string& key) {
    GetOptions g;
    g.metadata_only = true;
    return run(service_->reads().head_object(alice_, bucket, key, g)).is_ok();
  }
  std::vector<ObjectInfo> versions(const std::string& bucket, const std::string& key) {
    ListVersionsOptions o;
    o.prefix = key;
    auto r = run(service_->versions().list_object_versions(alice_, bucket, o));
    EXPECT_TRUE(r.is_ok());
    return r.is_ok() ? r->versions : std::vector<ObjectInfo>{};
  }
  LifecycleCounts totals() {
    auto s = run(service_->lifecycle().status());
    EXPECT_TRUE(s.is_ok());
    return s.is_ok() ? s->total : LifecycleCounts{};
  }
  void versioned_bucket(const std::string& name) {
    make_bucket(name, alice_);
    ASSERT_TRUE(
        run(service_->buckets().set_bucket_versioning(alice_, name, VersioningState::kEnabled))
            .is_ok());
  }
};

TEST_F(ObjectLifecycleTest, CurrentVersionsExpireOnTheirDayAndNothingOutsideTheFilter) {
  make_bucket("bkt", alice_);
  ASSERT_TRUE(put(alice_, "bkt", "logs/a", "x").is_ok());
  ASSERT_TRUE(put(alice_, "bkt", "keep/a", "x").is_ok());
  LifecycleRule r = rule("logs", "logs/");
  r.expiration_days = 30;
  configure("bkt", {r});
  days_ahead(29);
  run_passes();
  EXPECT_TRUE(exists("bkt", "logs/a"));
  days_ahead(31);
  run_passes();
  EXPECT_FALSE(exists("bkt", "logs/a"));
  EXPECT_TRUE(exists("bkt", "keep/a"));
  EXPECT_TRUE(versions("bkt", "logs/a").empty());  // unversioned: removed
  EXPECT_EQ(totals().expired, 1u);
  // Years later, still only the filtered key went.
  days_ahead(365 * 20);
  run_passes();
  EXPECT_TRUE(exists("bkt", "keep/a"));
  EXPECT_EQ(totals().expired, 1u);
}

TEST_F(ObjectLifecycleTest, TagAndSizeFiltersSelect) {
  make_bucket("bkt", alice_);
  PutOptions tagged;
  tagged.tags = {{"class", "temp"}};
  ASSERT_TRUE(put(alice_, "bkt", "t", "small", tagged).is_ok());
  ASSERT_TRUE(put(alice_, "bkt", "u", "small").is_ok());
  ASSERT_TRUE(put(alice_, "bkt", "big", std::string(5000, 'x'), tagged).is_ok());
  LifecycleRule r = rule("temp");
  r.filter.form = FilterForm::kAnd;
  r.filter.tags = {{"class", "temp"}};
  r.filter.size_less_than = 1000;
  r.expiration_days = 1;
  configure("bkt", {r});
  days_ahead(2);
  run_passes();
  EXPECT_FALSE(exists("bkt", "t"));
  EXPECT_TRUE(exists("bkt", "u"));
  EXPECT_TRUE(exists("bkt", "big"));
}

TEST_F(ObjectLifecycleTest, VersionedBucketsGetDeleteMarkersAndNoncurrentVersionsGo) {
  versioned_bucket("ver");
  ASSERT_TRUE(put(alice_, "ver", "k", "one").is_ok());
  ASSERT_TRUE(put(alice_, "ver", "k", "two").is_ok());
  LifecycleRule current = rule("current");
  current.expiration_days = 10;
  LifecycleRule noncurrent = rule("noncurrent");
  noncurrent.noncurrent_days = 5;
  LifecycleRule markers = rule("markers");
  markers.expired_object_delete_marker = true;
  configure("ver", {current, noncurrent, markers});

  days_ahead(4);  // "one" noncurrent for 4 days: stays
  run_passes();
  EXPECT_EQ(versions("ver", "k").size(), 2u);
  days_ahead(7);  // "one" noncurrent for 7 days: goes; "two" current for 7 days: stays
  run_passes();
  auto vs = versions("ver", "k");
  ASSERT_EQ(vs.size(), 1u);
  EXPECT_FALSE(vs[0].delete_marker);
  days_ahead(12);  // "two" expires: hidden behind a delete marker, still stored
  run_passes();
  vs = versions("ver", "k");
  ASSERT_EQ(vs.size(), 2u);
  EXPECT_TRUE(vs[0].delete_marker);
  EXPECT_FALSE(exists("ver", "k"));
  days_ahead(15);  // "two" noncurrent since day 12: 3 days, stays
  run_passes();
  EXPECT_EQ(versions("ver", "k").size(), 2u);
  days_ahead(18);  // 6 days: goes; the marker is then alone
  run_passes();
  days_ahead(19);
  run_passes();
  EXPECT_TRUE(versions("ver", "k").empty());
  LifecycleCounts t = totals();
  EXPECT_EQ(t.expired, 1u);
  EXPECT_EQ(t.noncurrent_expired, 2u);
  EXPECT_EQ(t.markers_removed, 1u);
}

TEST_F(ObjectLifecycleTest, NewerNoncurrentVersionsAreKept) {
  versioned_bucket("ver");
  for (const char* body : {"1", "2", "3", "4"}) ASSERT_TRUE(put(alice_, "ver", "k", body).is_ok());
  LifecycleRule r = rule("keep2");
  r.noncurrent_days = 1;
  r.newer_noncurrent_versions = 2;
  configure("ver", {r});
  days_ahead(3);
  run_passes();
  auto vs = versions("ver", "k");
  ASSERT_EQ(vs.size(), 3u);  // current + the 2 newest noncurrent
  EXPECT_EQ(get(alice_, "ver", "k").value(), "4");
}

TEST_F(ObjectLifecycleTest, LockedVersionsAreNeverRemoved) {
  CreateBucketOptions locked;
  locked.object_lock_enabled = true;
  ASSERT_TRUE(run(service_->buckets().create_bucket(alice_, "vault", locked)).is_ok());
  PutOptions o;
  o.lock = ObjectLock{RetentionMode::kCompliance, k2099, false};
  ASSERT_TRUE(put(alice_, "vault", "scan", "original", o).is_ok());
  ASSERT_TRUE(put(alice_, "vault", "scan", "newer").is_ok());
  LifecycleRule r = rule("all");
  r.noncurrent_days = 1;
  configure("vault", {r});
  days_ahead(365 * 10);
  run_passes();
  EXPECT_EQ(versions("vault", "scan").size(), 2u);
  EXPECT_EQ(totals().skipped_locked, 1u);
  EXPECT_EQ(totals().noncurrent_expired, 0u);
}

TEST_F(ObjectLifecycleTest, IncompleteUploadsAreAborted) {
  make_bucket("bkt", alice_);
  PutOptions none;
  auto tmp = run(service_->multipart().create_multipart_upload(alice_, "bkt", "tmp/x", none));
  auto keep = run(service_->multipart().create_multipart_upload(alice_, "bkt", "keep/y", none));
  ASSERT_TRUE(tmp.is_ok() && keep.is_ok());
  ASSERT_TRUE(upload_part(alice_, "bkt", "tmp/x", tmp->upload_id, 1, "part").is_ok());
  LifecycleRule r = rule("mpu", "tmp/");
  r.abort_days = 2;
  configure("bkt", {r});
  days_ahead(1);
  run_passes();
  ListUploadsOptions lo;
  EXPECT_EQ(run(service_->multipart().list_multipart_uploads(alice_, "bkt", lo))->uploads.size(),
            2u);
  days_ahead(3);
  run_passes();
  auto left = run(service_->multipart().list_multipart_uploads(alice_, "bkt", lo));
  ASSERT_TRUE(left.is_ok());
  ASSERT_EQ(left->uploads.size(), 1u);
  EXPECT_EQ(left->uploads[0].key, "keep/y");
  EXPECT_EQ(totals().uploads_aborted, 1u);
}

TEST_F(ObjectLifecycleTest, BoundedStepsResumeAfterRestartWithoutActingTwice) {
  versioned_bucket("ver");
  for (int i = 0; i < 10; ++i)
    ASSERT_TRUE(put(alice_, "ver", "k" + std::to_string(i), "x").is_ok());
  LifecycleRule r = rule("all");
  r.expiration_days = 1;
  configure("ver", {r});
  days_ahead(2);
  ObjectServiceOptions small;
  small.lifecycle_batch = 3;
  {
    ObjectService first(*rt_, *meta_, *store_, small);
    first.retention_clock().set_offset(std::chrono::hours(48));
    auto more = run(first.lifecycle().step());
    ASSERT_TRUE(more.is_ok());
    EXPECT_TRUE(*more);  // 3 of 10 keys: the pass goes on
    EXPECT_EQ(totals().expired, 3u);
  }  // "restart"
  ObjectService second(*rt_, *meta_, *store_, small);
  second.retention_clock().set_offset(std::chrono::hours(48));
  run_passes(second);
  EXPECT_EQ(totals().expired, 10u);
  for (int i = 0; i < 10; ++i) {
    auto vs = versions("ver", "k" + std::to_string(i));
    ASSERT_EQ(vs.size(), 2u);  // one delete marker each, not two
    EXPECT_TRUE(vs[0].delete_marker);
  }
}

TEST_F(ObjectLifecycleTest, DryRunListsAndChangesNothing) {
  make_bucket("bkt", alice_);
  ASSERT_TRUE(put(alice_, "bkt", "old", "x").is_ok());
  LifecycleRule r = rule("r");
  r.expiration_days = 1;
  configure("bkt", {r});
  days_ahead(5);
  Caller system{"", true};
  auto actions = run(service_->lifecycle().dry_run(system, "bkt", 100));
  ASSERT_TRUE(actions.is_ok()) << actions.status().to_string();
  ASSERT_EQ(actions->size(), 1u);
  EXPECT_EQ((*actions)[0].action.key, "old");
  EXPECT_EQ((*actions)[0].action.kind, LifecycleAction::Kind::kExpireCurrent);
  EXPECT_TRUE(exists("bkt", "old"));
  EXPECT_EQ(run(service_->lifecycle().dry_run(system, "nolifecycle", 1)).status().code(),
            StatusCode::kBucketNotFound);
}

TEST_F(ObjectLifecycleTest, ConfigurationIsStoredWithTheBucketAndReportsExpiration) {
  make_bucket("bkt", alice_);
  LifecycleRule r = rule("r", "a");
  r.expiration_days = 3;
  configure("bkt", {r});
  auto c = run(service_->buckets().get_lifecycle_configuration(alice_, "bkt"));
  ASSERT_TRUE(c.is_ok());
  EXPECT_EQ(c->rules[0].id, "r");
  ASSERT_TRUE(open().is_ok());
  c = run(service_->buckets().get_lifecycle_configuration(alice_, "bkt"));
  ASSERT_TRUE(c.is_ok());
  ASSERT_TRUE(put(alice_, "bkt", "ab", "x").is_ok());
  std::optional<std::string> latest;
  auto e = run(service_->buckets().lifecycle_expiration(alice_, "bkt", "ab", latest));
  ASSERT_TRUE(e.is_ok() && *e);
  EXPECT_EQ((*e)->rule_id, "r");
  EXPECT_EQ((*e)->date_ns % kNanosPerDay, 0);
  ASSERT_TRUE(run(service_->buckets().delete_lifecycle_configuration(alice_, "bkt")).is_ok());
  EXPECT_EQ(run(service_->buckets().get_lifecycle_configuration(alice_, "bkt")).status().code(),
            StatusCode::kNotFound);
  // A rule without an ID gets one; a bad rule is refused and changes nothing.
  LifecycleRule unnamed = rule("", "x");
  unnamed.expiration_days = 1;
  configure("bkt", {unnamed});
  c = run(service_->buckets().get_lifecycle_configuration(alice_, "bkt"));
  ASSERT_TRUE(c.is_ok());
  EXPECT_FALSE(c->rules[0].id.empty());
  LifecycleConfiguration bad;
  bad.rules = {rule("no-action")};
  EXPECT_EQ(run(service_->buckets().put_lifecycle_configuration(alice_, "bkt", bad)).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(run(service_->buckets().get_lifecycle_configuration(alice_, "bkt"))->rules, c->rules);
}

TEST(LifecycleRecordTest, BucketRecordKeepsLifecycleWithAndWithoutObjectLock) {
  BucketRecord b;
  b.owner = "alice";
  LifecycleConfiguration c;
  LifecycleRule r;
  r.id = "x";
  r.abort_days = 2;
  c.rules.push_back(r);
  b.lifecycle = c;
  auto back = BucketRecord::decode(b.encode());
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_FALSE(back->object_lock.enabled);
  ASSERT_TRUE(back->lifecycle);
  EXPECT_EQ(*back->lifecycle, c);
  b.object_lock.enabled = true;
  b.object_lock.default_mode = RetentionMode::kGovernance;
  b.object_lock.default_days = 3;
  back = BucketRecord::decode(b.encode());
  ASSERT_TRUE(back.is_ok());
  EXPECT_TRUE(back->object_lock.enabled);
  EXPECT_EQ(back->object_lock.default_days, 3u);
  EXPECT_EQ(*back->lifecycle, c);
  b.lifecycle.reset();
  back = BucketRecord::decode(b.encode());
  ASSERT_TRUE(back.is_ok());
  EXPECT_FALSE(back->lifecycle);
}

}  // namespace
}  // namespace skyarray::services::testing
