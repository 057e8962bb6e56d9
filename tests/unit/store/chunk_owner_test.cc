// Chunk files name their blob's owner, index and offset; copies made by
// read-repair, scrub and rebuild keep naming them, and the scrubber finds
// and rewrites a replica whose header lost them.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <thread>

#include "drives/chunk_file.h"
#include "store/chunk_record.h"
#include "store/replica_check.h"
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

  ChunkRecord record(uint64_t id) {
    auto v = meta_->get(MetaCf::kChunks, ChunkRecord::record_key(id));
    EXPECT_TRUE(v.is_ok() && v->has_value());
    return *ChunkRecord::decode(**v);
  }

  // Rewrites the replica of `id` on `drive_id` with sound data and header
  // but no owner, as a repair that dropped it did.
  void strip_owner(uint64_t id, uint32_t drive_id, const std::string& data) {
    Drive* d = store_->drives().find(drive_id);
    ASSERT_NE(d, nullptr);
    auto crcs = ChunkFile::block_crcs(reinterpret_cast<const uint8_t*>(data.data()), data.size());
    ASSERT_TRUE(
        ChunkFile::write(*d, id, reinterpret_cast<const uint8_t*>(data.data()), data.size(), crcs)
            .is_ok());
    auto h = ChunkFile::read_header(*d, id);
    ASSERT_TRUE(h.is_ok());
    ASSERT_TRUE(h->owner.tag.empty());
  }

  ChunkOwner owner_on(uint32_t drive_id, uint64_t id) {
    auto h = ChunkFile::read_header(*store_->drives().find(drive_id), id);
    EXPECT_TRUE(h.is_ok()) << h.status().to_string();
    return h.is_ok() ? h->owner : ChunkOwner();
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

// The replica that served a read-repair may be the one with a damaged
// header: the copy takes the owner from the headers that are sound (here,
// the damaged replica's own).
TEST_F(ChunkOwnerTest, ReadRepairTakesTheOwnerFromASoundHeader) {
  ASSERT_TRUE(open().is_ok());
  std::string data = random_bytes(1 << 20, 9);
  WriteOptions wo;
  wo.owner = "bucket/key/version";
  auto w = write(data, 100000, wo);
  ASSERT_TRUE(w.is_ok() && commit(w->ref).is_ok());
  uint64_t id = w->ref.chunk_ids()[0];
  ChunkRecord rec = record(id);
  ASSERT_EQ(rec.drives.size(), 2u);
  auto path_on = [&](uint32_t drive) { return ChunkFile::path(*store_->drives().find(drive), id); };
  flip_byte(path_on(rec.drives[0]), 8192 + 77);  // data block 0 of one replica
  flip_byte(path_on(rec.drives[1]), 100);        // header of the other
  for (int i = 0; i < 8 && store_->stats().checksum_mismatches == 0; ++i) {
    ASSERT_EQ(*read(w->ref), data);
  }
  ASSERT_GE(store_->stats().checksum_mismatches, 1u);
  for (int i = 0; i < 300 && store_->stats().replicas_repaired == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(store_->stats().replicas_repaired, 1u);
  ChunkOwner got = owner_on(rec.drives[0], id);
  EXPECT_EQ(got.tag, wo.owner);
  EXPECT_EQ(got.index, 0u);
  // The scrub rewrites the damaged header, with the owner too.
  auto p = store_->scrub_pass();
  ASSERT_TRUE(p.is_ok());
  EXPECT_EQ(p->corrupt_headers, 1u);
  EXPECT_EQ(owner_on(rec.drives[1], id).tag, wo.owner);
}

// Two replicas whose headers disagree on the owner: the scrub counts the
// one that lost it as a bad header and rewrites it; the next pass is clean.
TEST_F(ChunkOwnerTest, ScrubRewritesAReplicaThatLostItsOwner) {
  ASSERT_TRUE(open().is_ok());
  std::string data = random_bytes((1 << 20) + 4000, 10);  // 2 chunks
  WriteOptions wo;
  wo.owner = std::string("b\0k\0v", 5);
  auto w = write(data, 100000, wo);
  ASSERT_TRUE(w.is_ok() && commit(w->ref).is_ok());
  uint64_t id = w->ref.chunk_ids()[1];
  ChunkRecord rec = record(id);
  strip_owner(id, rec.drives[0], data.substr(1 << 20));
  auto first = store_->scrub_pass();
  ASSERT_TRUE(first.is_ok());
  EXPECT_EQ(first->corrupt_headers, 1u);
  EXPECT_EQ(first->replicas_repaired, 1u);
  EXPECT_EQ(first->corrupt_blocks, 0u);
  for (uint32_t d : rec.drives) {
    ChunkOwner o = owner_on(d, id);
    EXPECT_EQ(o.tag, wo.owner) << "drive " << d;
    EXPECT_EQ(o.index, 1u);
    EXPECT_EQ(o.offset, 1u << 20);
  }
  auto second = store_->scrub_pass();
  ASSERT_TRUE(second.is_ok());
  EXPECT_EQ(second->corrupt_headers, 0u);
  EXPECT_EQ(second->replicas_repaired, 0u);
  EXPECT_EQ(*read(w->ref), data);
}

// The rebuild's source replica lost its owner while another surviving one
// has it: the new replica names the owner.
TEST_F(ChunkOwnerTest, RebuiltReplicaNamesTheOwnerTheSoundHeadersGive) {
  options_.replicas = 3;
  options_.dev_drives = 4;
  ASSERT_TRUE(open().is_ok());
  std::string data = random_bytes((6 << 20) + 999, 11);  // 7 chunks
  WriteOptions wo;
  wo.owner = "owner of the blob";
  auto w = write(data, 100000, wo);
  ASSERT_TRUE(w.is_ok() && commit(w->ref).is_ok());
  const uint32_t failed = 3;
  std::map<uint64_t, ChunkRecord> before;
  auto ids = w->ref.chunk_ids();
  for (size_t i = 0; i < ids.size(); ++i) {
    ChunkRecord rec = record(ids[i]);
    if (std::find(rec.drives.begin(), rec.drives.end(), failed) == rec.drives.end()) continue;
    // The survivor the rebuild reads first (order_for_reading rotates by
    // chunk id) loses its owner.
    std::vector<uint32_t> survivors;
    for (uint32_t d : rec.drives) {
      if (d != failed) survivors.push_back(d);
    }
    uint32_t first = survivors[ids[i] % survivors.size()];
    strip_owner(ids[i], first,
                data.substr(i << 20, std::min<size_t>(1 << 20, data.size() - (i << 20))));
    before[ids[i]] = rec;
  }
  ASSERT_FALSE(before.empty());
  ASSERT_TRUE(store_->set_drive_state(failed, DriveState::kOffline).is_ok());
  auto rebuilt = store_->rebuild_pass();
  ASSERT_TRUE(rebuilt.is_ok()) << rebuilt.status().to_string();
  EXPECT_EQ(*rebuilt, before.size());
  for (const auto& [id, old] : before) {
    ChunkRecord now = record(id);
    size_t index = std::find(ids.begin(), ids.end(), id) - ids.begin();
    for (uint32_t d : now.drives) {
      if (std::find(old.drives.begin(), old.drives.end(), d) != old.drives.end()) continue;
      ChunkOwner o = owner_on(d, id);
      EXPECT_EQ(o.tag, wo.owner) << "chunk " << id << " rebuilt on drive " << d;
      EXPECT_EQ(o.index, index);
      EXPECT_EQ(o.offset, index << 20);
    }
  }
}

TEST(ChunkOwnerChoice, NamedOwnersWinOverEmptyOnesThenTheMajority) {
  ChunkOwner a{"a", 2, 2 << 20}, b{"b", 2, 2 << 20}, none;
  EXPECT_FALSE(ReplicaCheck::choose_owner({}).has_value());
  EXPECT_EQ(*ReplicaCheck::choose_owner({none}), none);
  EXPECT_EQ(*ReplicaCheck::choose_owner({none, none, a}), a);
  EXPECT_EQ(*ReplicaCheck::choose_owner({b, a, a}), a);
  EXPECT_EQ(*ReplicaCheck::choose_owner({b, a}), b);  // a tie: the first
  ChunkOwner positioned{"", 3, 3 << 20};              // a blob written without a tag
  EXPECT_EQ(*ReplicaCheck::choose_owner({none, positioned}), positioned);
}

}  // namespace
}  // namespace skyarray::testing
