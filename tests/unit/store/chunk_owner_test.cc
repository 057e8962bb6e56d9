// Chunk files name their blob's owner, index and offset; copies made by
// read-repair keep naming them.
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "drives/chunk_file.h"
#include "store_test_util.h"

namespace skyarray::testing {
namespace {

class ChunkOwnerTest : public StoreFixture {
 protected:
  // Headers of every replica of `chunk_id`.
  std::vector<ChunkHeader> headers(uint64_t chunk_id) {
    char name[17];
    std::snprintf(name, sizeof(name), "%016llx", static_cast<unsigned long long>(chunk_id));
    std::vector<ChunkHeader> out;
    for (auto& e : std::filesystem::recursive_directory_iterator(root_ / "drives")) {
      if (e.path().filename() != name) continue;
      auto h = ChunkFile::read_header_file(e.path().string());
      EXPECT_TRUE(h.is_ok()) << e.path();
      if (h.is_ok()) out.push_back(std::move(*h));
    }
    return out;
  }
};

TEST_F(ChunkOwnerTest, EveryReplicaNamesOwnerIndexAndOffset) {
  ASSERT_TRUE(open().is_ok());
  std::string data = random_bytes((3 << 20) + 12345, 5);  // 4 chunks of 1 MiB
  WriteOptions wo;
  wo.owner = std::string("b\0k\0v1", 6);
  auto w = write(data, 300000, wo);
  ASSERT_TRUE(w.is_ok()) << w.status().to_string();
  ASSERT_TRUE(commit(w->ref).is_ok());
  auto ids = w->ref.chunk_ids();
  ASSERT_EQ(ids.size(), 4u);
  for (size_t i = 0; i < ids.size(); ++i) {
    auto hs = headers(ids[i]);
    ASSERT_EQ(hs.size(), 2u);
    for (const auto& h : hs) {
      EXPECT_EQ(h.version, ChunkFile::kFormatVersion);
      EXPECT_EQ(h.owner.tag, wo.owner);
      EXPECT_EQ(h.owner.index, i);
      EXPECT_EQ(h.owner.offset, i << 20);
      EXPECT_EQ(h.length, i < 3 ? 1u << 20 : 12345u);
    }
  }
  EXPECT_EQ(*read(w->ref), data);

  // A blob written without an owner has an empty tag, still with positions.
  auto plain = write(random_bytes(1 << 20 | 1, 6));
  ASSERT_TRUE(plain.is_ok());
  auto second = headers(plain->ref.chunk_ids()[1]);
  ASSERT_FALSE(second.empty());
  EXPECT_TRUE(second[0].owner.tag.empty());
  EXPECT_EQ(second[0].owner.index, 1u);
  EXPECT_EQ(second[0].owner.offset, 1u << 20);
}

TEST_F(ChunkOwnerTest, OwnerTagOverTheLimitIsRefused) {
  ASSERT_TRUE(open().is_ok());
  WriteOptions wo;
  wo.owner.assign(ChunkFile::kMaxOwnerSize + 1, 'x');
  auto w = write(random_bytes(2 << 20, 7), 100000, wo);
  EXPECT_EQ(w.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(chunk_files(), 0u);
}

TEST_F(ChunkOwnerTest, ReadRepairedReplicaKeepsItsOwner) {
  ASSERT_TRUE(open().is_ok());
  std::string data = random_bytes(1 << 20, 8);
  WriteOptions wo;
  wo.owner = "bucket/key/version";
  auto w = write(data, 100000, wo);
  ASSERT_TRUE(w.is_ok() && commit(w->ref).is_ok());
  uint64_t id = w->ref.chunk_ids()[0];
  char name[17];
  std::snprintf(name, sizeof(name), "%016llx", static_cast<unsigned long long>(id));
  std::filesystem::path victim;
  for (auto& e : std::filesystem::recursive_directory_iterator(root_ / "drives")) {
    if (e.path().filename() == name) victim = e.path();
  }
  ASSERT_FALSE(victim.empty());
  {
    int fd = ::open(victim.c_str(), O_RDWR);
    ASSERT_GE(fd, 0);
    char c = 0;
    ASSERT_EQ(::pread(fd, &c, 1, 8192 + 77), 1);
    c ^= 0x21;
    ASSERT_EQ(::pwrite(fd, &c, 1, 8192 + 77), 1);
    ::close(fd);
  }
  for (int i = 0; i < 4 && store_->stats().checksum_mismatches == 0; ++i) {
    ASSERT_EQ(*read(w->ref), data);
  }
  ASSERT_GE(store_->stats().checksum_mismatches, 1u);
  for (int i = 0; i < 300 && store_->stats().replicas_repaired == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(store_->stats().replicas_repaired, 1u);
  auto h = ChunkFile::read_header_file(victim.string());
  ASSERT_TRUE(h.is_ok());
  EXPECT_EQ(h->owner.tag, wo.owner);
  EXPECT_EQ(h->owner.index, 0u);
}

}  // namespace
}  // namespace skyarray::testing
