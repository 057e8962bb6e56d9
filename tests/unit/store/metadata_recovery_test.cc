// Losing the metadata directory: recovery from the newest drive checkpoint,
// the metadata journal after it, and a scan of chunk headers.
#include "store/metadata_recovery.h"

#include <set>

#include "common/file_util.h"
#include "meta/meta_journal.h"
#include "store/chunk_record.h"
#include "store_test_util.h"

namespace skyarray {
namespace {

using testing::random_bytes;

class MetadataRecoveryTest : public testing::StoreFixture {};

size_t files_in(const std::filesystem::path& dir) {
  size_t n = 0;
  std::error_code ec;
  for (auto& e : std::filesystem::directory_iterator(dir, ec)) n += e.is_regular_file() ? 1 : 0;
  return n;
}

TEST_F(MetadataRecoveryTest, RestoresCheckpointReplaysJournalAndCorrectsPlacement) {
  options_.replicas = 2;
  options_.dev_drives = 4;
  ASSERT_TRUE(open().is_ok());
  std::vector<std::pair<std::string, BlobRef>> before;
  for (int i = 0; i < 8; ++i) {
    std::string data = random_bytes((3 << 20) + i * 1000, 50 + i);
    auto w = write(data);
    ASSERT_TRUE(w.is_ok() && commit(w->ref).is_ok());
    before.emplace_back(std::move(data), w->ref);
  }
  ASSERT_TRUE(store_->checkpoint().is_ok());
  // After the checkpoint: drive 1 is drained (placement changes) and more
  // data arrives.
  ASSERT_TRUE(store_->set_drive_state(1, DriveState::kDraining).is_ok());
  ASSERT_TRUE(store_->rebuild_pass().is_ok());
  ASSERT_TRUE(store_->set_drive_state(1, DriveState::kOnline).is_ok());
  std::string late_data = random_bytes(2 << 20, 99);
  auto late = write(late_data);
  ASSERT_TRUE(late.is_ok() && commit(late->ref).is_ok());
  // Written but never committed (a crash before the commit): no record.
  auto orphan = write(random_bytes(1 << 20, 98));
  ASSERT_TRUE(orphan.is_ok());
  store_.reset();
  meta_.reset();

  std::filesystem::remove_all(options_.effective_meta_dir());  // the metadata drive dies
  auto report = MetadataRecovery::run(options_, /*force=*/false);
  ASSERT_TRUE(report.is_ok()) << report.status().to_string();
  std::printf(
      "recovered from %s + %llu journal batches: %llu records, %llu corrected, %llu lost, %llu "
      "to lost+found\n",
      report->checkpoint.c_str(), (unsigned long long)report->journal_batches,
      (unsigned long long)report->chunk_records, (unsigned long long)report->records_changed,
      (unsigned long long)report->chunks_lost, (unsigned long long)report->files_to_lost_found);
  // The drain and `late` came after the checkpoint: the journal has them.
  EXPECT_GT(report->journal_batches, 0u);
  EXPECT_EQ(report->journal_stopped, "end of journal");
  EXPECT_GT(report->last_sequence, report->checkpoint_sequence);
  EXPECT_EQ(report->chunks_lost, 0u);
  EXPECT_EQ(report->chunks_under_replicated, 0u);
  EXPECT_EQ(report->files_to_lost_found, 2u * orphan->ref.chunk_ids().size());
  // A second run refuses to overwrite the database it just made.
  EXPECT_EQ(MetadataRecovery::run(options_, false).status().code(), StatusCode::kAlreadyExists);

  ASSERT_TRUE(open().is_ok());
  for (const auto& [data, ref] : before) {
    auto got = read(ref);
    ASSERT_TRUE(got.is_ok()) << got.status().to_string();
    EXPECT_TRUE(*got == data);
  }
  auto got_late = read(late->ref);
  ASSERT_TRUE(got_late.is_ok()) << got_late.status().to_string();
  EXPECT_TRUE(*got_late == late_data);
  // No record knows the uncommitted chunks: kept aside, not deleted.
  size_t kept = 0;
  for (int d = 0; d < 4; ++d) {
    kept += files_in(root_ / "drives" / ("d" + std::to_string(d)) / "lost+found");
  }
  EXPECT_EQ(kept, 2u * orphan->ref.chunk_ids().size());
  // New chunks get ids above everything on disk.
  auto fresh = write(random_bytes(2 << 20, 7));
  ASSERT_TRUE(fresh.is_ok());
  EXPECT_GT(fresh->ref.chunk_ids()[0] >> 32, late->ref.chunk_ids()[0] >> 32);
}

TEST_F(MetadataRecoveryTest, MissingReplicaIsQueuedAndNoCheckpointIsAnError) {
  options_.replicas = 2;
  options_.dev_drives = 3;
  std::filesystem::create_directories(root_);
  EXPECT_FALSE(MetadataRecovery::run(options_, false).is_ok());  // nothing to recover from
  ASSERT_TRUE(open().is_ok());
  std::string data = random_bytes(3 << 20, 5);
  auto w = write(data);
  ASSERT_TRUE(w.is_ok() && commit(w->ref).is_ok());
  ASSERT_TRUE(store_->checkpoint().is_ok());
  store_.reset();
  meta_.reset();
  // One replica file of the first chunk vanishes too.
  char name[17];
  uint64_t id = w->ref.chunk_ids()[0];
  std::snprintf(name, sizeof(name), "%016llx", static_cast<unsigned long long>(id));
  for (auto& e : std::filesystem::recursive_directory_iterator(root_ / "drives")) {
    if (e.path().filename() == name && e.path().string().find("/chunks/") != std::string::npos) {
      std::filesystem::remove(e.path());
      break;
    }
  }
  auto report = MetadataRecovery::run(options_, /*force=*/true);
  ASSERT_TRUE(report.is_ok()) << report.status().to_string();
  EXPECT_EQ(report->chunks_under_replicated, 1u);
  ASSERT_TRUE(open().is_ok());
  ASSERT_TRUE(store_->rebuild_pass().is_ok());
  EXPECT_EQ(store_->rebuild_progress().queued_chunks, 0u);
  EXPECT_TRUE(*read(w->ref) == data);
}

TEST_F(MetadataRecoveryTest, OpenResumesTheJournalOrCheckpointsWhenItLags) {
  options_.replicas = 2;
  options_.dev_drives = 3;
  auto checkpoints = [&] {
    size_t n = 0;
    for (int d = 0; d < 3; ++d) {
      std::error_code ec;
      auto dir = root_ / "drives" / ("d" + std::to_string(d)) / "meta-checkpoints";
      for (auto& e : std::filesystem::directory_iterator(dir, ec)) n += e.is_directory() ? 1 : 0;
    }
    return n;
  };
  ASSERT_TRUE(open().is_ok());
  // First start: a checkpoint and a journal segment on two drives.
  EXPECT_EQ(checkpoints(), 2u);
  MetaProtectionStatus st = store_->meta_protection();
  EXPECT_EQ(st.state, "ok") << st.reason;
  EXPECT_EQ(st.journal.targets.size(), 2u);
  uint64_t first_segment = st.journal.segment;
  auto w = write(random_bytes(1 << 20, 1));
  ASSERT_TRUE(w.is_ok() && commit(w->ref).is_ok());

  // A clean restart resumes the segment: no new checkpoint.
  ASSERT_TRUE(open().is_ok());
  EXPECT_EQ(checkpoints(), 2u);
  EXPECT_EQ(store_->meta_protection().journal.segment, first_segment);
  EXPECT_EQ(store_->meta_protection().state, "ok");

  // A commit that reached RocksDB but not the journal (a crash between
  // the two): the next open checkpoints and starts a new segment.
  store_.reset();
  meta_.reset();
  {
    auto m = MetaStore::open(options_.effective_meta_dir());
    ASSERT_TRUE(m.is_ok());
    MetaBatch b;
    b.put(MetaCf::kDefault, "crash-window", "x");
    ASSERT_TRUE((*m)->commit(std::move(b)).is_ok());
  }
  ASSERT_TRUE(open().is_ok());
  EXPECT_EQ(checkpoints(), 4u);
  EXPECT_GT(store_->meta_protection().journal.segment, first_segment);
  EXPECT_EQ(store_->meta_protection().state, "ok");

  // Checkpoints prune segments older than the previous checkpoint's.
  for (int i = 0; i < 3; ++i) {
    auto more = write(random_bytes(100000, 10 + i));
    ASSERT_TRUE(more.is_ok() && commit(more->ref).is_ok());
    ASSERT_TRUE(store_->checkpoint().is_ok());
  }
  for (const auto& dir : store_->meta_protection().journal.targets) {
    EXPECT_LE(files_in(dir), 2u) << dir;
  }
  // And a loss now still recovers everything.
  std::string data = random_bytes(3 << 20, 77);
  auto last = write(data);
  ASSERT_TRUE(last.is_ok() && commit(last->ref).is_ok());
  store_.reset();
  meta_.reset();
  std::filesystem::remove_all(options_.effective_meta_dir());
  auto report = MetadataRecovery::run(options_, false);
  ASSERT_TRUE(report.is_ok()) << report.status().to_string();
  EXPECT_GT(report->journal_batches, 0u);
  ASSERT_TRUE(open().is_ok());
  EXPECT_TRUE(*read(last->ref) == data);
  EXPECT_TRUE(*read(w->ref) == random_bytes(1 << 20, 1));
}

// A power loss while the journal was the synced log: RocksDB comes back
// with only a prefix of its commits (its WAL tail was never synced), the
// journal copies hold the rest. The store replays them at open, before
// startup recovery could take their chunk files for orphans.
TEST_F(MetadataRecoveryTest, OpenReplaysCommitsRocksDbLostWithItsUnsyncedLog) {
  options_.replicas = 2;
  options_.dev_drives = 3;
  ASSERT_TRUE(open().is_ok());
  ASSERT_EQ(store_->meta_protection().state, "ok");
  std::vector<std::pair<std::string, BlobRef>> kept, lost;
  for (int i = 0; i < 4; ++i) {
    std::string data = random_bytes(i % 2 ? 1000 : (1 << 20) + i, 20 + i);  // inline and chunked
    auto w = write(data);
    ASSERT_TRUE(w.is_ok() && commit(w->ref).is_ok());
    kept.emplace_back(std::move(data), w->ref);
  }
  // RocksDB as a power loss could leave it: a consistent prefix.
  const auto prefix = root_ / "rocksdb-prefix";
  ASSERT_TRUE(meta_->checkpoint(prefix.string()).is_ok());
  for (int i = 0; i < 4; ++i) {
    std::string data = random_bytes(i % 2 ? 2000 : (2 << 20) + i, 40 + i);
    auto w = write(data);
    ASSERT_TRUE(w.is_ok() && commit(w->ref).is_ok());
    lost.emplace_back(std::move(data), w->ref);
  }
  store_.reset();
  meta_.reset();
  std::filesystem::remove_all(options_.effective_meta_dir());
  std::filesystem::rename(prefix, options_.effective_meta_dir());

  ASSERT_TRUE(open().is_ok());
  for (const auto& [data, ref] : kept) EXPECT_TRUE(*read(ref) == data);
  for (const auto& [data, ref] : lost) {
    auto got = read(ref);
    ASSERT_TRUE(got.is_ok()) << got.status().to_string();
    EXPECT_TRUE(*got == data) << "an acknowledged commit was not replayed";
  }
  EXPECT_EQ(store_->stats().orphans_removed, 0u);
  // The journal reached RocksDB's latest commit again: it is resumed.
  EXPECT_EQ(store_->meta_protection().state, "ok");
}

// Replay stops at a batch no journal copy holds (its commit was never
// acknowledged); the records after it are dropped from the segments before
// anything commits, since their sequence numbers go to new commits now.
TEST_F(MetadataRecoveryTest, OpenDropsJournalRecordsPastAMissingBatch) {
  options_.replicas = 2;
  options_.dev_drives = 3;
  ASSERT_TRUE(open().is_ok());
  std::string kept_data = random_bytes((1 << 20) + 1, 60);
  auto kept = write(kept_data);
  ASSERT_TRUE(kept.is_ok() && commit(kept->ref).is_ok());
  const auto prefix = root_ / "rocksdb-prefix";
  uint64_t prefix_seq = 0;
  ASSERT_TRUE(meta_->checkpoint(prefix.string(), &prefix_seq).is_ok());
  std::vector<BlobRef> after;
  for (int i = 0; i < 3; ++i) {
    auto w = write(random_bytes((1 << 20) + 7 + i, 61 + i));
    ASSERT_TRUE(w.is_ok() && commit(w->ref).is_ok());
    after.push_back(w->ref);
  }
  const auto targets = store_->meta_protection().journal.targets;
  ASSERT_EQ(targets.size(), 2u);
  store_.reset();
  meta_.reset();
  // No copy holds the first batch after the prefix.
  for (const auto& dir : targets) {
    auto segs = MetaJournal::list_segments(dir);
    ASSERT_FALSE(segs.empty());
    auto scan = MetaJournal::read_segment(segs.rbegin()->second);
    ASSERT_TRUE(scan.is_ok());
    std::string bytes;
    for (const auto& r : scan->records) {
      if (r.seq != prefix_seq + 1) bytes += MetaJournal::encode_record(r.seq, r.batch);
    }
    ASSERT_TRUE(FileUtil::write_file_durably(segs.rbegin()->second, bytes).is_ok());
  }
  std::filesystem::remove_all(options_.effective_meta_dir());
  std::filesystem::rename(prefix, options_.effective_meta_dir());

  ASSERT_TRUE(open().is_ok());
  EXPECT_TRUE(*read(kept->ref) == kept_data);
  for (const auto& ref : after) EXPECT_FALSE(read(ref).is_ok());
  const uint64_t latest = meta_->latest_sequence();
  for (const auto& dir : targets) {
    size_t stale = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
      stale += e.path().filename().string().find(".stale-") != std::string::npos ? 1 : 0;
    }
    EXPECT_EQ(stale, 1u) << dir;
    for (const auto& [key, path] : MetaJournal::list_segments(dir)) {
      auto scan = MetaJournal::read_segment(path);
      ASSERT_TRUE(scan.is_ok());
      for (const auto& r : scan->records) EXPECT_LE(r.seq, latest) << path;
    }
  }
}

}  // namespace
}  // namespace skyarray
