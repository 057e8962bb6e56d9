#include "services/cloud/cloud_link_codec.h"

#include <gtest/gtest.h>

namespace skyarray::services {
namespace {

TEST(CloudLinkCodecTest, RoundTrips) {
  CloudLink l;
  l.bucket = "scans";
  l.target = "s3-west";
  l.mode = LinkMode::kCache;
  l.created_ns = 1'700'000'000'000'000'000;
  l.cache_bytes = 5ull << 40;
  l.pins = {"studies/2026/", "keep/"};
  l.allow_unlocked_copy = true;
  l.lock_cloud_copy = true;
  auto back = CloudLinkCodec::decode(CloudLinkCodec::encode(l));
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_EQ(back->bucket, l.bucket);
  EXPECT_EQ(back->target, l.target);
  EXPECT_EQ(back->mode, LinkMode::kCache);
  EXPECT_EQ(back->created_ns, l.created_ns);
  EXPECT_EQ(back->cache_bytes, l.cache_bytes);
  EXPECT_EQ(back->pins, l.pins);
  EXPECT_TRUE(back->allow_unlocked_copy);
  EXPECT_TRUE(back->lock_cloud_copy);
}

TEST(CloudLinkCodecTest, OlderRecordsLoadWithDefaults) {
  auto l = CloudLinkCodec::decode(R"({"v":1,"bucket":"b","target":"t"})");
  ASSERT_TRUE(l.is_ok()) << l.status().to_string();
  EXPECT_EQ(l->bucket, "b");
  EXPECT_EQ(l->mode, LinkMode::kSync);
  EXPECT_EQ(l->cache_bytes, 0u);
  EXPECT_TRUE(l->pins.empty());
  EXPECT_FALSE(l->allow_unlocked_copy);
  EXPECT_FALSE(l->lock_cloud_copy);
  EXPECT_EQ(CloudLinkCodec::decode("not json").status().code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace skyarray::services
