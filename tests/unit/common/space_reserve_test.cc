#include "common/space_reserve.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace skyarray {
namespace {

TEST(SpaceReserveTest, AvailableIsFreeSpaceAboveTheReserve) {
  std::string tmp = std::filesystem::temp_directory_path().string();
  SpaceUsage none = SpaceReserve(tmp, 0).usage();
  ASSERT_GT(none.free, 0u);
  EXPECT_GT(none.capacity, 0u);
  SpaceUsage all = SpaceReserve(tmp, UINT64_MAX).usage();
  EXPECT_EQ(all.available, 0u);
  EXPECT_GT(all.free, 0u);
}

TEST(SpaceReserveTest, QuotaBoundsFreeSpace) {
  std::string tmp = std::filesystem::temp_directory_path().string();
  SpaceReserve quota(tmp, 10 << 20, 100 << 20);
  SpaceUsage u = quota.usage(30 << 20);
  EXPECT_EQ(u.capacity, 100u << 20);
  EXPECT_EQ(u.used, 30u << 20);
  EXPECT_EQ(u.free, 70u << 20);
  EXPECT_EQ(u.available, 60u << 20);
  EXPECT_EQ(quota.usage(95 << 20).available, 0u);
}

TEST(SpaceReserveTest, MissingPathHasNothingAvailable) {
  SpaceUsage u = SpaceReserve("/nonexistent/skyarray", 0).usage();
  EXPECT_EQ(u.available, 0u);
  EXPECT_EQ(u.free, 0u);
}

TEST(SpaceReserveTest, HumanBytes) {
  EXPECT_EQ(human_bytes(512), "512 bytes");
  EXPECT_EQ(human_bytes(1536), "1.5 KiB");
  EXPECT_EQ(human_bytes(16ull << 20), "16 MiB");
  EXPECT_EQ(human_bytes(3ull << 30), "3.0 GiB");
}

}  // namespace
}  // namespace skyarray
