// Self-healing: rebuild after drive failure, drain, returning drives, scrub
// of bit flips, scrub cursor persistence.
#include <fcntl.h>
#include <unistd.h>

#include <map>
#include <set>

#include "store/chunk_record.h"
#include "store_test_util.h"

namespace skyarray {
namespace {

using testing::random_bytes;

class SelfHealTest : public testing::StoreFixture {
 protected:
  // Six drives in three nodes, two per node, three replicas.
  void six_drives_three_nodes() {
    options_.replicas = 3;
    for (int i = 0; i < 6; ++i) {
      DriveConfig c;
      c.path = (root_ / "drives" / ("d" + std::to_string(i))).string();
      c.label = {"n" + std::to_string(i / 2), "e0", std::to_string(i)};
      options_.drives.push_back(c);
    }
  }

  struct Stored {
    std::string data;
    BlobRef ref;
  };
  std::vector<Stored> load(int objects, size_t size, uint64_t seed) {
    std::vector<Stored> out;
    for (int i = 0; i < objects; ++i) {
      Stored s{random_bytes(size + i * 4096, seed + i), {}};
      auto w = write(s.data);
      EXPECT_TRUE(w.is_ok()) << w.status().to_string();
      EXPECT_TRUE(commit(w->ref).is_ok());
      s.ref = w->ref;
      out.push_back(std::move(s));
    }
    return out;
  }

  ChunkRecord record(uint64_t id) {
    auto v = meta_->get(MetaCf::kChunks, ChunkRecord::record_key(id));
    EXPECT_TRUE(v.is_ok() && v->has_value());
    return *ChunkRecord::decode(**v);
  }

  std::set<uint64_t> chunk_ids(const std::vector<Stored>& all) {
    std::set<uint64_t> ids;
    for (const auto& s : all) {
      for (uint64_t id : s.ref.chunk_ids()) ids.insert(id);
    }
    return ids;
  }

  void expect_all_readable(const std::vector<Stored>& all) {
    for (const auto& s : all) {
      auto got = read(s.ref);
      ASSERT_TRUE(got.is_ok()) << got.status().to_string();
      ASSERT_TRUE(*got == s.data);
    }
  }

  // Every chunk: `replicas` copies, none on `gone`, each in its own node.
  void expect_fully_replicated(const std::vector<Stored>& all, uint32_t gone) {
    for (uint64_t id : chunk_ids(all)) {
      ChunkRecord r = record(id);
      EXPECT_EQ(r.drives.size(), 3u) << id;
      std::set<uint32_t> nodes;
      for (uint32_t d : r.drives) {
        EXPECT_NE(d, gone);
        nodes.insert(d / 2);
      }
      EXPECT_EQ(nodes.size(), 3u) << "replicas of chunk " << id << " share a node";
    }
  }

  size_t files_on(int drive) {
    size_t n = 0;
    auto dir = root_ / "drives" / ("d" + std::to_string(drive)) / "chunks";
    for (auto& e : std::filesystem::recursive_directory_iterator(dir)) n += e.is_regular_file();
    return n;
  }

  size_t queue_length() {
    size_t n = 0;
    for (auto it = meta_->scan_prefix(MetaCf::kQueues, "rr/"); it->valid(); it->next()) ++n;
    return n;
  }
};

TEST_F(SelfHealTest, FailedDriveIsRebuiltAcrossDomains) {
  six_drives_three_nodes();
  ASSERT_TRUE(open().is_ok());
  auto all = load(12, 3 << 20, 100);
  ASSERT_GT(files_on(0), 0u);
  ASSERT_TRUE(store_->set_drive_state(0, DriveState::kOffline).is_ok());
  EXPECT_GT(queue_length(), 0u);
  expect_all_readable(all);  // from the other replicas meanwhile
  auto rebuilt = store_->rebuild_pass();
  ASSERT_TRUE(rebuilt.is_ok()) << rebuilt.status().to_string();
  EXPECT_GT(*rebuilt, 0u);
  EXPECT_EQ(queue_length(), 0u);
  expect_fully_replicated(all, 0);
  expect_all_readable(all);
  RebuildProgress p = store_->rebuild_progress();
  EXPECT_FALSE(p.running);
  EXPECT_EQ(p.queued_chunks, 0u);
  EXPECT_GT(p.bytes_rebuilt, 0u);
  EXPECT_EQ(p.pass_bytes_done, p.pass_bytes_total);
  // Failure is remembered across a restart.
  ASSERT_TRUE(open().is_ok());
  EXPECT_EQ(store_->stats().drives[0].state, DriveState::kOffline);
  expect_all_readable(all);
}

TEST_F(SelfHealTest, WholeFailureDomainLostIsRebuiltOnRemainingNodes) {
  six_drives_three_nodes();
  for (int i = 0; i < 2; ++i) {  // a fourth node to rebuild into
    DriveConfig c;
    c.path = (root_ / "drives" / ("d" + std::to_string(6 + i))).string();
    c.label = {"n3", "e0", std::to_string(6 + i)};
    options_.drives.push_back(c);
  }
  ASSERT_TRUE(open().is_ok());
  auto all = load(10, 2 << 20, 200);
  store_.reset();
  // Node n1 (drives 2 and 3) disappears while the array is down.
  std::filesystem::remove_all(root_ / "drives" / "d2");
  std::filesystem::remove_all(root_ / "drives" / "d3");
  ASSERT_TRUE(open().is_ok());
  EXPECT_GT(queue_length(), 0u);  // queued at open
  ASSERT_TRUE(store_->rebuild_pass().is_ok());
  EXPECT_EQ(queue_length(), 0u);
  for (uint64_t id : chunk_ids(all)) {
    ChunkRecord r = record(id);
    ASSERT_EQ(r.drives.size(), 3u);
    std::set<uint32_t> nodes;
    for (uint32_t d : r.drives) {
      EXPECT_TRUE(d != 2 && d != 3);
      nodes.insert(d / 2);
    }
    EXPECT_EQ(nodes.size(), 3u);
  }
  expect_all_readable(all);
}

TEST_F(SelfHealTest, DrainMovesDataBeforeDroppingItAndThenRemoves) {
  six_drives_three_nodes();
  ASSERT_TRUE(open().is_ok());
  auto all = load(8, 2 << 20, 300);
  ASSERT_GT(files_on(1), 0u);
  EXPECT_EQ(store_->remove_drive(1).code(), StatusCode::kNotEmpty);
  ASSERT_TRUE(store_->set_drive_state(1, DriveState::kDraining).is_ok());
  // Until the rebuild, every chunk still has all its copies listed and the
  // draining drive keeps its files: redundancy never dips.
  for (uint64_t id : chunk_ids(all)) EXPECT_EQ(record(id).drives.size(), 3u);
  EXPECT_GT(files_on(1), 0u);
  ASSERT_TRUE(store_->rebuild_pass().is_ok());
  expect_fully_replicated(all, 1);
  EXPECT_EQ(files_on(1), 0u);
  EXPECT_EQ(*store_->chunks_on_drive(1), 0u);
  expect_all_readable(all);
  ASSERT_TRUE(store_->remove_drive(1).is_ok());
  EXPECT_EQ(store_->set_drive_state(1, DriveState::kOnline).code(), StatusCode::kConflict);
  ASSERT_TRUE(open().is_ok());
  EXPECT_EQ(store_->stats().drives[1].state, DriveState::kOffline);
  EXPECT_EQ(store_->stats().drives[1].reason, "removed by operator");
}

TEST_F(SelfHealTest, ReturningDriveIsReconciledNotTrusted) {
  six_drives_three_nodes();
  ASSERT_TRUE(open().is_ok());
  auto all = load(6, 2 << 20, 400);
  size_t before = files_on(4);
  ASSERT_GT(before, 0u);
  ASSERT_TRUE(store_->set_drive_state(4, DriveState::kOffline).is_ok());
  ASSERT_TRUE(store_->rebuild_pass().is_ok());
  EXPECT_EQ(files_on(4), before);  // offline: untouched
  ASSERT_TRUE(store_->set_drive_state(4, DriveState::kOnline).is_ok());
  // Its copies were replaced elsewhere: they are stale and removed.
  EXPECT_EQ(files_on(4), 0u);
  expect_all_readable(all);
  auto w = write(random_bytes(3 << 20, 499));  // and it takes new data again
  ASSERT_TRUE(w.is_ok());
  EXPECT_FALSE(w->under_replicated);
}

TEST_F(SelfHealTest, ReplaceDriveRebuildsOntoTheNewOne) {
  six_drives_three_nodes();
  ASSERT_TRUE(open().is_ok());
  auto all = load(10, 2 << 20, 500);
  DriveConfig fresh;
  fresh.path = (root_ / "drives" / "d6").string();
  auto id = store_->replace_drive(2, fresh);
  ASSERT_TRUE(id.is_ok()) << id.status().to_string();
  EXPECT_EQ(store_->stats().drives[2].state, DriveState::kOffline);
  EXPECT_EQ(store_->stats().drives[*id].label, "n1/e0/2");
  ASSERT_TRUE(store_->rebuild_pass().is_ok());
  EXPECT_EQ(queue_length(), 0u);
  EXPECT_GT(files_on(6), 0u);
  expect_all_readable(all);
}

TEST_F(SelfHealTest, UnderReplicatedWriteIsCompletedWhenDrivesAppear) {
  options_.replicas = 3;
  options_.dev_drives = 2;
  ASSERT_TRUE(open().is_ok());
  auto all = load(3, 2 << 20, 600);
  EXPECT_GT(queue_length(), 0u);
  ASSERT_TRUE(store_->rebuild_pass().is_ok());  // nowhere to go yet
  EXPECT_GT(queue_length(), 0u);
  DriveConfig c;
  c.path = (root_ / "drives" / "d2").string();
  c.label.bay = "d2";
  ASSERT_TRUE(store_->add_drive(c).is_ok());
  ASSERT_TRUE(store_->rebuild_pass().is_ok());
  EXPECT_EQ(queue_length(), 0u);
  for (uint64_t id : chunk_ids(all)) EXPECT_EQ(record(id).drives.size(), 3u);
  expect_all_readable(all);
}

// Issue 5 acceptance, in-process: >= 1000 random bit flips across the chunk
// files of a loaded array; every read is correct, a scrub finds and repairs
// every damaged block, and a second scrub finds nothing.
TEST_F(SelfHealTest, ScrubRepairsEveryBitFlipAndSecondScrubFindsNone) {
  options_.replicas = 3;
  options_.dev_drives = 4;
  ASSERT_TRUE(open().is_ok());
  options_.chunk_size = 4 << 20;
  auto all = load(24, 6 << 20, 700);
  std::vector<std::filesystem::path> files;
  for (auto& e : std::filesystem::recursive_directory_iterator(root_ / "drives")) {
    if (e.is_regular_file() && e.path().parent_path().parent_path().filename() == "chunks") {
      files.push_back(e.path());
    }
  }
  ASSERT_GT(files.size(), 100u);
  std::mt19937_64 rng(42);
  // (file, 64 KiB block) pairs damaged; block -1 = header. A block is never
  // damaged on all three replicas: no store could recover that.
  std::set<std::pair<size_t, int64_t>> damaged;
  std::map<std::pair<std::string, int64_t>, std::set<size_t>> by_block;  // (chunk, block) → files
  const int kFlips = 1200;
  for (int i = 0; i < kFlips;) {
    size_t f = rng() % files.size();
    uint64_t size = std::filesystem::file_size(files[f]);
    uint64_t off = rng() % size;
    int64_t block = off < 8192 ? -1 : static_cast<int64_t>((off - 8192) / 65536);
    auto& holders = by_block[{files[f].filename().string(), block}];
    if (block >= 0 && holders.size() == 2 && !holders.count(f)) continue;
    holders.insert(f);
    int fd = ::open(files[f].c_str(), O_RDWR);
    ASSERT_GE(fd, 0);
    uint8_t c;
    ASSERT_EQ(::pread(fd, &c, 1, static_cast<off_t>(off)), 1);
    c ^= static_cast<uint8_t>(1u << (rng() % 8));
    ASSERT_EQ(::pwrite(fd, &c, 1, static_cast<off_t>(off)), 1);
    ::close(fd);
    damaged.insert({f, block});
    ++i;
  }
  uint64_t damaged_blocks = 0, damaged_headers = 0;
  for (const auto& [f, b] : damaged) (b < 0 ? damaged_headers : damaged_blocks)++;
  // Reads first: every byte correct (or the read-repair of some replica).
  expect_all_readable(all);
  // Wait for background read-repairs to settle, then scrub.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto first = store_->scrub_pass();
  ASSERT_TRUE(first.is_ok()) << first.status().to_string();
  uint64_t repaired_by_reads = store_->stats().replicas_repaired - first->replicas_repaired;
  std::printf(
      "bit flips: %d in %zu chunk files -> %llu damaged data blocks, %llu damaged headers; "
      "read-repair rewrote %llu replicas; scrub 1 found %llu corrupt blocks and %llu bad headers, "
      "repaired %llu replicas, %llu unrepairable\n",
      kFlips, files.size(), (unsigned long long)damaged_blocks, (unsigned long long)damaged_headers,
      (unsigned long long)repaired_by_reads, (unsigned long long)first->corrupt_blocks,
      (unsigned long long)first->corrupt_headers, (unsigned long long)first->replicas_repaired,
      (unsigned long long)first->unrepairable_chunks);
  EXPECT_EQ(first->unrepairable_chunks, 0u);
  EXPECT_GT(first->corrupt_blocks, 0u);
  // Reads may have repaired some replicas before the scrub saw them; the
  // rest the scrub must find, every one.
  if (repaired_by_reads == 0) {
    EXPECT_GE(first->corrupt_blocks + 2, damaged_blocks);  // two flips may cancel out
    EXPECT_LE(first->corrupt_blocks, damaged_blocks);
  }
  auto second = store_->scrub_pass();
  ASSERT_TRUE(second.is_ok());
  std::printf("scrub 2 found %llu corrupt blocks, %llu bad headers\n",
              (unsigned long long)second->corrupt_blocks,
              (unsigned long long)second->corrupt_headers);
  EXPECT_EQ(second->corrupt_blocks, 0u);
  EXPECT_EQ(second->corrupt_headers, 0u);
  EXPECT_EQ(second->missing_replicas, 0u);
  EXPECT_EQ(second->passes_completed, 2u);
  expect_all_readable(all);
}

TEST_F(SelfHealTest, ScrubCursorResumesAfterRestart) {
  options_.replicas = 2;
  ASSERT_TRUE(open().is_ok());
  auto all = load(10, 1 << 20, 800);
  size_t chunks = chunk_ids(all).size();
  auto part = store_->scrub_pass(4);
  ASSERT_TRUE(part.is_ok());
  EXPECT_EQ(part->pass_chunks_done, 4u);
  EXPECT_NE(part->cursor, 0u);
  EXPECT_EQ(part->passes_completed, 0u);
  ASSERT_TRUE(open().is_ok());  // restart
  auto rest = store_->scrub_pass();
  ASSERT_TRUE(rest.is_ok());
  EXPECT_EQ(rest->passes_completed, 1u);
  EXPECT_EQ(rest->pass_chunks_done, chunks);  // 4 before + the rest, none twice
  EXPECT_EQ(rest->cursor, 0u);
}

TEST_F(SelfHealTest, ScrubFindsMissingReplicaAndUnreferencedFile) {
  options_.replicas = 2;
  ASSERT_TRUE(open().is_ok());
  auto all = load(3, 1 << 20, 900);
  uint64_t id = all[0].ref.chunk_ids()[0];
  ChunkRecord r = record(id);
  char name[17];
  std::snprintf(name, sizeof(name), "%016llx", static_cast<unsigned long long>(id));
  char hh[3];
  std::snprintf(hh, sizeof(hh), "%02llx", static_cast<unsigned long long>(id & 0xff));
  auto path = root_ / "drives" / ("d" + std::to_string(r.drives[0])) / "chunks" / hh / name;
  ASSERT_TRUE(std::filesystem::exists(path));
  std::filesystem::remove(path);
  // A stray chunk file nobody references.
  auto stray = root_ / "drives" / "d0" / "chunks" / "ab" / "00000000deadbeab";
  std::filesystem::create_directories(stray.parent_path());
  std::ofstream(stray) << "junk";
  // Old enough not to be a write in flight.
  std::filesystem::last_write_time(
      stray, std::filesystem::file_time_type::clock::now() - std::chrono::hours(1));
  auto young = root_ / "drives" / "d0" / "chunks" / "ab" / "00000000deadbeac";
  std::ofstream(young) << "just written";
  auto p = store_->scrub_pass();
  ASSERT_TRUE(p.is_ok());
  EXPECT_EQ(p->missing_replicas, 1u);
  EXPECT_EQ(p->replicas_repaired, 1u);
  EXPECT_EQ(p->unreferenced_files, 1u);
  EXPECT_TRUE(std::filesystem::exists(path));
  expect_all_readable(all);
}

}  // namespace
}  // namespace skyarray
