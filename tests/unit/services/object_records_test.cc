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

}  // namespace
}  // namespace skyarray::services
