// Record encodings of what access control stores: ACLs kept as given (the
// marker), canned ones with the implicit owner grant, Block Public Access
// and OwnershipControls in the bucket record; records written before these
// existed still decode to what they meant.
#include "services/objects/object_records.h"

#include <gtest/gtest.h>

namespace skyarray::services {
namespace {

TEST(ObjectRecords, AclKeptAsGivenRoundTrips) {
  ObjectRecord o;
  o.acl.owner_implicit = false;
  o.acl.grants.push_back({AclGrantee::kUser, "pacs", AclPermission::kRead});
  auto back = ObjectRecord::decode(o.encode());
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_EQ(back->acl, o.acl);

  ObjectRecord empty_exact;
  empty_exact.acl.owner_implicit = false;
  back = ObjectRecord::decode(empty_exact.encode());
  ASSERT_TRUE(back.is_ok());
  EXPECT_FALSE(back->acl.owner_implicit) << "an empty list as given is kept";

  ObjectRecord canned;
  canned.acl = AccessControlList::canned("public-read").value();
  back = ObjectRecord::decode(canned.encode());
  ASSERT_TRUE(back.is_ok());
  EXPECT_TRUE(back->acl.owner_implicit);
  EXPECT_EQ(back->acl, canned.acl);

  ObjectRecord plain;
  EXPECT_EQ(plain.encode().size(), ObjectRecord().encode().size());
  back = ObjectRecord::decode(plain.encode());
  ASSERT_TRUE(back.is_ok());
  EXPECT_TRUE(back->acl.is_default());
}

TEST(BucketRecords, ControlsRoundTripAndOldRecordsDecode) {
  BucketRecord b;
  b.owner = "root";
  std::string old_bytes = b.encode();
  auto back = BucketRecord::decode(old_bytes);
  ASSERT_TRUE(back.is_ok());
  EXPECT_FALSE(back->public_access_block);
  EXPECT_FALSE(back->ownership);

  b.public_access_block = PublicAccessBlock{true, false, true, false};
  b.ownership = ObjectOwnership::kBucketOwnerEnforced;
  back = BucketRecord::decode(b.encode());
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_EQ(back->public_access_block, b.public_access_block);
  EXPECT_EQ(back->ownership, b.ownership);
  EXPECT_TRUE(back->acl.is_default());

  b.public_access_block = PublicAccessBlock{};  // all off, but put
  b.ownership.reset();
  b.policy = "{}";
  back = BucketRecord::decode(b.encode());
  ASSERT_TRUE(back.is_ok());
  ASSERT_TRUE(back->public_access_block);
  EXPECT_EQ(*back->public_access_block, PublicAccessBlock{});
  EXPECT_EQ(back->policy, "{}");

  std::string bad = b.encode();
  bad.back() = 9;  // ownership out of range
  EXPECT_FALSE(BucketRecord::decode(bad).is_ok());
}

TEST(ObjectRecords, ObjectLockRoundTripsAndOlderRecordsHaveNone) {
  ObjectRecord plain;
  plain.upload_id = "u1";
  plain.acl.owner_implicit = false;
  const std::string old_bytes = plain.encode();
  auto back = ObjectRecord::decode(old_bytes);
  ASSERT_TRUE(back.is_ok());
  EXPECT_TRUE(back->lock.empty());

  ObjectRecord o = plain;
  // 2099-01-01: decades ahead, beyond 32-bit seconds.
  o.lock = ObjectLock{RetentionMode::kCompliance, int64_t{4070908800} * 1000000000, true};
  back = ObjectRecord::decode(o.encode());
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_EQ(back->lock, o.lock);
  EXPECT_EQ(back->upload_id, "u1");
  EXPECT_FALSE(back->acl.owner_implicit);
  EXPECT_EQ(back->to_info("b", "k", true).lock, o.lock);

  o.lock = ObjectLock{RetentionMode::kNone, 0, true};  // legal hold alone
  back = ObjectRecord::decode(o.encode());
  ASSERT_TRUE(back.is_ok());
  EXPECT_EQ(back->lock, o.lock);

  o.lock = ObjectLock{RetentionMode::kGovernance, 1, false};
  std::string bad = o.encode();
  // The lock byte follows the upload id: a mode of 3 is refused.
  size_t at = bad.find("u1") + 2;
  ASSERT_EQ(static_cast<uint8_t>(bad[at]), 1);
  bad[at] = 3;
  EXPECT_FALSE(ObjectRecord::decode(bad).is_ok());
}

TEST(UploadRecords, ObjectLockRoundTrips) {
  UploadRecord u;
  u.checksum_algorithm = ChecksumAlgorithm::kCrc32;
  u.checksum_type = ChecksumType::kFullObject;
  auto back = UploadRecord::decode(u.encode());
  ASSERT_TRUE(back.is_ok());
  EXPECT_TRUE(back->lock.empty());
  u.lock = ObjectLock{RetentionMode::kGovernance, int64_t{2366841600} * 1000000000, false};
  u.acl.owner_implicit = false;
  back = UploadRecord::decode(u.encode());
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_EQ(back->lock, u.lock);
  EXPECT_EQ(back->checksum_algorithm, u.checksum_algorithm);
  EXPECT_EQ(back->checksum_type, ChecksumType::kFullObject);
  EXPECT_FALSE(back->acl.owner_implicit);
}

TEST(BucketRecords, ObjectLockConfigurationRoundTrips) {
  BucketRecord b;
  b.owner = "root";
  b.versioning = VersioningState::kEnabled;
  b.object_lock.enabled = true;
  auto back = BucketRecord::decode(b.encode());
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_TRUE(back->object_lock.enabled);
  EXPECT_EQ(back->object_lock.default_mode, RetentionMode::kNone);
  EXPECT_FALSE(back->public_access_block);
  EXPECT_FALSE(back->ownership);

  b.object_lock.default_mode = RetentionMode::kCompliance;
  b.object_lock.default_years = 15;
  b.ownership = ObjectOwnership::kBucketOwnerEnforced;
  back = BucketRecord::decode(b.encode());
  ASSERT_TRUE(back.is_ok());
  EXPECT_EQ(back->object_lock.default_mode, RetentionMode::kCompliance);
  EXPECT_EQ(back->object_lock.default_years, 15u);
  EXPECT_EQ(back->object_lock.default_days, 0u);
  EXPECT_EQ(back->ownership, b.ownership);
}

}  // namespace
}  // namespace skyarray::services
