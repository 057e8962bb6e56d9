#include "store/placement.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

namespace skyarray {
namespace {

PlacementCandidate drive(uint32_t id, std::string node, std::string enc, uint64_t avail = 1 << 30,
                         double weight = 1.0) {
  PlacementCandidate c;
  c.drive_id = id;
  c.label = {std::move(node), std::move(enc), std::to_string(id)};
  c.available = avail;
  c.weight = weight;
  return c;
}

TEST(PlacementTest, SpreadsAcrossNodesFirst) {
  std::vector<PlacementCandidate> c;
  uint32_t id = 0;
  for (std::string node : {"n1", "n2", "n3"}) {
    for (std::string enc : {"e1", "e2"}) {
      for (int bay = 0; bay < 4; ++bay) c.push_back(drive(id++, node, enc));
    }
  }
  Placement p(1);
  for (int i = 0; i < 500; ++i) {
    auto d = p.choose(c, 3, 1000);
    ASSERT_TRUE(d.is_ok());
    std::set<std::string> nodes;
    for (uint32_t x : d->drive_ids) nodes.insert(c[x].label.node);
    EXPECT_EQ(nodes.size(), 3u);
    EXPECT_FALSE(d->under_replicated || d->shares_node);
  }
}

TEST(PlacementTest, RebuildAvoidsDomainsOfSurvivingCopies) {
  // Survivors on n1 and n2; the new copy must go to n3 (never n1/n2 while
  // n3 has room), and with n3 full it falls back and reports the sharing.
  std::vector<PlacementCandidate> c = {drive(2, "n1", "e1"), drive(3, "n2", "e1"),
                                       drive(4, "n3", "e1"), drive(5, "n3", "e2")};
  std::vector<DriveLabel> held = {{"n1", "e1", "0"}, {"n2", "e1", "1"}};
  Placement p(3);
  for (int i = 0; i < 200; ++i) {
    auto d = p.choose(c, 1, 1000, held);
    ASSERT_TRUE(d.is_ok());
    ASSERT_EQ(d->drive_ids.size(), 1u);
    EXPECT_TRUE(d->drive_ids[0] == 4 || d->drive_ids[0] == 5);
    EXPECT_FALSE(d->shares_node);
  }
  c[2].available = c[3].available = 0;
  auto d = p.choose(c, 1, 1000, held);
  ASSERT_TRUE(d.is_ok());
  EXPECT_TRUE(d->shares_node);
}

TEST(PlacementTest, EnclosuresThenDrivesWhenOneNode) {
  std::vector<PlacementCandidate> c = {drive(0, "n", "e1"), drive(1, "n", "e1"),
                                       drive(2, "n", "e2"), drive(3, "n", "e2")};
  Placement p(2);
  for (int i = 0; i < 200; ++i) {
    auto d = p.choose(c, 2, 1000);
    ASSERT_TRUE(d.is_ok());
    EXPECT_NE(c[d->drive_ids[0]].label.enclosure, c[d->drive_ids[1]].label.enclosure);
    EXPECT_TRUE(d->shares_node);
    EXPECT_FALSE(d->shares_enclosure);
  }
  auto d = p.choose(c, 3, 1000);
  ASSERT_TRUE(d.is_ok());
  EXPECT_EQ(std::set<uint32_t>(d->drive_ids.begin(), d->drive_ids.end()).size(), 3u);
  EXPECT_TRUE(d->shares_enclosure);
}

TEST(PlacementTest, DegradedWhenFewerDrivesThanReplicas) {
  std::vector<PlacementCandidate> c = {drive(0, "n1", "e"), drive(1, "n2", "e")};
  Placement p(3);
  auto d = p.choose(c, 3, 1000);
  ASSERT_TRUE(d.is_ok());
  EXPECT_EQ(d->drive_ids.size(), 2u);
  EXPECT_TRUE(d->under_replicated);
}

TEST(PlacementTest, WeightedByFreeSpaceAndWeight) {
  std::vector<PlacementCandidate> c = {drive(0, "n1", "e", 100 << 20),
                                       drive(1, "n2", "e", 300 << 20),
                                       drive(2, "n3", "e", 100 << 20, 3.0)};
  Placement p(4);
  std::map<uint32_t, int> hits;
  for (int i = 0; i < 6000; ++i) hits[(*p.choose(c, 1, 1000)).drive_ids[0]]++;
  EXPECT_NEAR(hits[0], 6000 / 7, 200);
  EXPECT_NEAR(hits[1], 3 * 6000 / 7, 250);
  EXPECT_NEAR(hits[2], 3 * 6000 / 7, 250);
}

TEST(PlacementTest, SkipsFullAndOfflineDrives) {
  std::vector<PlacementCandidate> c = {drive(0, "n1", "e", 10), drive(1, "n2", "e"),
                                       drive(2, "n3", "e")};
  c[2].writable = false;
  Placement p(5);
  for (int i = 0; i < 50; ++i) {
    auto d = p.choose(c, 3, 1000);
    ASSERT_TRUE(d.is_ok());
    EXPECT_EQ(d->drive_ids, std::vector<uint32_t>{1});
    EXPECT_TRUE(d->under_replicated);
  }
  c[1].available = 10;
  EXPECT_EQ(p.choose(c, 1, 1000).status().code(), StatusCode::kNoSpace);
  for (auto& x : c) x.writable = false;
  EXPECT_EQ(p.choose(c, 1, 1000).status().code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace skyarray
