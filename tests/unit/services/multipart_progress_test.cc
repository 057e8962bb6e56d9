#include "services/cloud/multipart_progress.h"

#include <gtest/gtest.h>

namespace skyarray::services {
namespace {

TEST(MultipartProgressTest, RoundTrips) {
  MultipartProgress p{"up-1",
                      "1700000000000000001",
                      "d41d8cd98f00b204e9800998ecf8427e-2",
                      64ull << 20,
                      {{1, "\"e1\""}, {2, "\"e2\""}, {10000, "\"last\""}}};
  auto back = MultipartProgress::decode(p.encode());
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_EQ(back->upload_id, p.upload_id);
  EXPECT_EQ(back->version_id, p.version_id);
  EXPECT_EQ(back->etag, p.etag);
  EXPECT_EQ(back->part_size, p.part_size);
  EXPECT_EQ(back->parts, p.parts);
}

// Records that used to throw (missing fields, part numbers that are not
// numbers) are refused as corruption.
TEST(MultipartProgressTest, AnythingElseIsCorruption) {
  for (std::string_view raw : {
           "",
           "{}",
           R"({"v":1,"upload_id":"u","version_id":"v","etag":"e","part_size":5})",
           R"({"v":1,"upload_id":"u","version_id":"v","etag":"e","part_size":5,"parts":{"x":"e"}})",
           R"({"v":1,"upload_id":"u","version_id":"v","etag":"e","part_size":5,"parts":{"0":"e"}})",
           R"({"v":1,"upload_id":"u","version_id":"v","etag":"e","part_size":5,"parts":{"1":2}})",
           R"({"v":1,"upload_id":1,"version_id":"v","etag":"e","part_size":5,"parts":{}})",
       }) {
    auto p = MultipartProgress::decode(raw);
    ASSERT_FALSE(p.is_ok()) << raw;
    EXPECT_EQ(p.status().code(), StatusCode::kCorruption) << raw;
  }
}

}  // namespace
}  // namespace skyarray::services
