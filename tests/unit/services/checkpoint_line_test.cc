#include "services/cloud/checkpoint_line.h"

#include <gtest/gtest.h>

#include "services/cloud/cloud_checkpoint.h"
#include "services/cloud/cloud_lock_metadata.h"

namespace skyarray::services {
namespace {

TEST(CheckpointLineTest, HeaderVersionAndEndRoundTrip) {
  auto h = CheckpointLine::decode(
      CheckpointLine::header("scans", VersioningState::kSuspended, {}, 1234567890123), true);
  ASSERT_TRUE(h.is_ok()) << h.status().to_string();
  EXPECT_EQ(h->kind, CheckpointLine::Kind::kHeader);
  EXPECT_EQ(h->format, kCheckpointFormat);
  EXPECT_EQ(h->bucket, "scans");
  EXPECT_EQ(h->versioning, VersioningState::kSuspended);
  EXPECT_EQ(h->created_ns, 1234567890123);
  EXPECT_FALSE(h->object_lock.enabled);

  ImportedObject v;
  v.version_id = "0123456789abcdef";
  v.size = 5ull << 30;
  v.etag = "0123456789abcdef0123456789abcdef-5";
  v.mtime_ns = 1'700'000'000'000'000'001;
  v.content.content_type = "application/dicom";
  v.content.cache_control = "no-cache";
  v.user_metadata = {{"file-owner", "1000"}};
  v.tags = {{"study", "1.2.3"}};
  auto back = CheckpointLine::decode(CheckpointLine::version_line("a/b c", v), false);
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_EQ(back->kind, CheckpointLine::Kind::kVersion);
  EXPECT_EQ(back->key, "a/b c");
  EXPECT_EQ(back->version.version_id, v.version_id);
  EXPECT_FALSE(back->version.delete_marker);
  EXPECT_EQ(back->version.size, v.size);
  EXPECT_EQ(back->version.etag, v.etag);
  EXPECT_EQ(back->version.mtime_ns, v.mtime_ns);
  EXPECT_EQ(back->version.content.content_type, "application/dicom");
  EXPECT_EQ(back->version.content.cache_control, "no-cache");
  EXPECT_EQ(back->version.user_metadata, v.user_metadata);
  EXPECT_EQ(back->version.tags, v.tags);

  ImportedObject marker;
  marker.version_id = "null";
  marker.delete_marker = true;
  marker.mtime_ns = 9;
  auto dm = CheckpointLine::decode(CheckpointLine::version_line("gone", marker), false);
  ASSERT_TRUE(dm.is_ok());
  EXPECT_TRUE(dm->version.delete_marker);
  EXPECT_EQ(dm->version.mtime_ns, 9);

  auto end = CheckpointLine::decode(CheckpointLine::end(42), false);
  ASSERT_TRUE(end.is_ok());
  EXPECT_EQ(end->kind, CheckpointLine::Kind::kEnd);
  EXPECT_EQ(end->versions, 42u);
}

TEST(CheckpointLineTest, ObjectLockRoundTrips) {
  ObjectLockConfiguration c;
  c.enabled = true;
  c.default_mode = RetentionMode::kCompliance;
  c.default_years = 15;
  auto h = CheckpointLine::decode(CheckpointLine::header("vault", VersioningState::kEnabled, c, 1),
                                  true);
  ASSERT_TRUE(h.is_ok());
  EXPECT_TRUE(h->object_lock.enabled);
  EXPECT_EQ(h->object_lock.default_mode, RetentionMode::kCompliance);
  EXPECT_EQ(h->object_lock.default_years, 15u);
  EXPECT_EQ(h->object_lock.default_days, 0u);

  ImportedObject v;
  v.version_id = "0123456789abcdef";
  v.lock = ObjectLock{RetentionMode::kGovernance, int64_t{4070908800} * 1000000000, true};
  auto back = CheckpointLine::decode(CheckpointLine::version_line("k", v), false);
  ASSERT_TRUE(back.is_ok());
  EXPECT_EQ(back->version.lock, v.lock);
  ImportedObject plain;
  back = CheckpointLine::decode(CheckpointLine::version_line("k", plain), false);
  ASSERT_TRUE(back.is_ok());
  EXPECT_TRUE(back->version.lock.empty());
}

TEST(CloudLockMetadataTest, TravelsAsUserMetadataAndIsTakenBack) {
  std::map<std::string, std::string> meta{{"file-owner", "1000"}};
  ObjectLock lock{RetentionMode::kCompliance, int64_t{2366841600} * 1000000000, true};
  put_lock_metadata(lock, &meta);
  EXPECT_EQ(meta.at("skyarray-lock-mode"), "COMPLIANCE");
  EXPECT_EQ(meta.at("skyarray-lock-legal-hold"), "ON");
  EXPECT_EQ(take_lock_metadata(&meta), lock);
  EXPECT_EQ(meta, (std::map<std::string, std::string>{{"file-owner", "1000"}}));
  meta["skyarray-lock-mode"] = "COMPLIANCE";
  meta["skyarray-lock-retain-until"] = "soon";  // unreadable: no lock claimed, key dropped
  EXPECT_TRUE(take_lock_metadata(&meta).empty());
  EXPECT_EQ(meta.size(), 1u);
}

TEST(CheckpointLineTest, ReadsFormatOneHeaders) {
  auto h = CheckpointLine::decode(
      R"({"v":1,"bucket":"b","versioning":"enabled","created_ns":5,"versions":3})", true);
  ASSERT_TRUE(h.is_ok());
  EXPECT_EQ(h->format, 1);
  EXPECT_EQ(h->versioning, VersioningState::kEnabled);
  EXPECT_EQ(h->versions, 3u);
  EXPECT_EQ(CheckpointLine::decode("[]", false).status().code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace skyarray::services
