#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "drives/chunk_file.h"
#include "drives/drive.h"
#include "drives/drive_identity.h"
#include "drives/drive_set.h"

namespace skyarray {
namespace {

std::string temp_dir(const char* name) {
  auto p = std::filesystem::temp_directory_path() /
           ("drive_test_" + std::to_string(::getpid()) + "_" + name);
  std::filesystem::remove_all(p);
  return p.string();
}

TEST(DriveLabelTest, ParsesOneToThreeParts) {
  auto l = DriveLabel::parse("n1/e2/07");
  ASSERT_TRUE(l.is_ok());
  EXPECT_EQ(l->node, "n1");
  EXPECT_EQ(l->enclosure, "e2");
  EXPECT_EQ(l->bay, "07");
  EXPECT_EQ(DriveLabel::parse("e2/07")->enclosure, "e2");
  EXPECT_EQ(DriveLabel::parse("07")->bay, "07");
  EXPECT_FALSE(DriveLabel::parse("a/b/c/d").is_ok());
  EXPECT_FALSE(DriveLabel::parse("a//c").is_ok());
}

TEST(DriveIdentityTest, RoundTripAndTamperDetection) {
  DriveIdentity id{"00112233445566778899aabbccddeeff", 42};
  auto back = DriveIdentity::decode(id.encode());
  ASSERT_TRUE(back.is_ok());
  EXPECT_EQ(back->array_id, id.array_id);
  EXPECT_EQ(back->drive_id, 42u);
  std::string bad = id.encode();
  bad[bad.find("drive=") + 6] = '7';
  EXPECT_EQ(DriveIdentity::decode(bad).status().code(), StatusCode::kCorruption);
}

TEST(DriveTest, ReserveRefusesBeforeFull) {
  std::string dir = temp_dir("reserve");
  std::filesystem::create_directories(dir);
  DriveConfig c;
  c.path = dir;
  c.capacity = 10 << 20;
  Drive d(1, c, 2 << 20);
  EXPECT_EQ(d.space().available, 8u << 20);
  EXPECT_TRUE(d.reserve(5 << 20).is_ok());
  Status s = d.reserve(4 << 20);
  EXPECT_EQ(s.code(), StatusCode::kNoSpace);
  // Clients see this message (507): it names the drive by id, never by path.
  EXPECT_NE(s.message().find("drive 1 is full"), std::string::npos);
  EXPECT_EQ(s.message().find(dir), std::string::npos);
  d.release(5 << 20);
  EXPECT_TRUE(d.reserve(8 << 20).is_ok());
  std::filesystem::remove_all(dir);
}

TEST(DriveTest, ErrorsDegradeTheDrive) {
  DriveConfig c;
  c.path = "/nonexistent";
  Drive d(1, c, 0);
  for (uint64_t i = 0; i < Drive::kDegradedAfterErrors; ++i) {
    EXPECT_EQ(d.state(), DriveState::kOnline);
    d.note_error(Status::io_error("boom"));
  }
  EXPECT_EQ(d.state(), DriveState::kDegraded);
  EXPECT_NE(d.state_reason().find("boom"), std::string::npos);
}

TEST(DriveSetTest, FormatsEmptyRefusesForeignAndMissing) {
  std::string root = temp_dir("set");
  std::vector<DriveConfig> cfg(3);
  for (int i = 0; i < 3; ++i) cfg[i].path = root + "/d" + std::to_string(i);
  auto set = DriveSet::open(cfg, "aaaa", 0, 0);
  ASSERT_TRUE(set.is_ok());
  for (Drive* d : (*set)->drives()) EXPECT_EQ(d->state(), DriveState::kOnline);
  EXPECT_EQ((*set)->next_drive_id(), 3u);

  // Same drives, other array: refused, not reformatted.
  auto other = DriveSet::open(cfg, "bbbb", 0, 0);
  ASSERT_TRUE(other.is_ok());
  for (Drive* d : (*other)->drives()) {
    EXPECT_EQ(d->state(), DriveState::kOffline);
    EXPECT_NE(d->state_reason().find("belongs to array aaaa"), std::string::npos);
  }
  EXPECT_EQ(DriveIdentity::read(cfg[0].path)->array_id, "aaaa");

  // A known drive whose identity vanished is missing, not formatted again.
  std::filesystem::remove(cfg[1].path + "/" + DriveIdentity::kFileName);
  auto again = DriveSet::open(cfg, "aaaa", 3, 0, {{cfg[1].path, 1}});
  ASSERT_TRUE(again.is_ok());
  EXPECT_EQ((*again)->drives()[1]->state(), DriveState::kOffline);
  EXPECT_EQ((*again)->drives()[1]->id(), 1u);  // keeps its id: its chunks are known to be away
  EXPECT_EQ((*again)->find(1), (*again)->drives()[1]);
  EXPECT_NE((*again)->drives()[1]->state_reason().find("missing"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(cfg[1].path + "/" + DriveIdentity::kFileName));
  std::filesystem::remove_all(root);
}

TEST(ChunkFileTest, WriteReadHeaderAndRemove) {
  std::string dir = temp_dir("chunk");
  std::filesystem::create_directories(dir);
  DriveConfig c;
  c.path = dir;
  Drive d(0, c, 0);
  std::string data(200000, 'x');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 7);
  auto crcs = ChunkFile::block_crcs(reinterpret_cast<const uint8_t*>(data.data()), data.size());
  EXPECT_EQ(crcs.size(), 4u);
  ASSERT_TRUE(
      ChunkFile::write(d, 0xabc, reinterpret_cast<const uint8_t*>(data.data()), data.size(), crcs)
          .is_ok());
  auto h = ChunkFile::read_header(d, 0xabc);
  ASSERT_TRUE(h.is_ok());
  EXPECT_EQ(h->length, data.size());
  EXPECT_EQ(h->block_crcs, crcs);
  std::string part(1000, '\0');
  ASSERT_TRUE(
      ChunkFile::read(d, 0xabc, 70000, 1000, reinterpret_cast<uint8_t*>(part.data())).is_ok());
  EXPECT_EQ(part, data.substr(70000, 1000));
  EXPECT_TRUE(std::filesystem::is_empty(d.tmp_dir()));
  d.inject_fault(DriveFault::kFailReads);
  EXPECT_EQ(ChunkFile::read(d, 0xabc, 0, 10, reinterpret_cast<uint8_t*>(part.data())).code(),
            StatusCode::kIOError);
  EXPECT_EQ(ChunkFile::remove(d, 0xabc), ChunkFile::file_size(data.size()));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace skyarray
