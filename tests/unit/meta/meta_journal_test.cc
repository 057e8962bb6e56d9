#include "meta/meta_journal.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <thread>

#include "meta/meta_store.h"
#include "meta_test_util.h"

namespace skyarray {
namespace {

namespace fs = std::filesystem;

class MetaJournalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("meta_journal_test_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
    journals_ = {(root_ / "j1").string(), (root_ / "j2").string()};
    meta_ = open_meta("meta");
  }
  void TearDown() override {
    meta_.reset();
    fs::remove_all(root_);
  }
  std::unique_ptr<MetaStore> open_meta(const std::string& name) {
    auto m = MetaStore::open((root_ / name).string());
    EXPECT_TRUE(m.is_ok()) << m.status().to_string();
    return m.is_ok() ? std::move(*m) : nullptr;
  }
  // Starts a segment and takes the checkpoint recovery starts from.
  void checkpoint() {
    ASSERT_TRUE(meta_->start_journal_segment(journals_).is_ok());
    fs::remove_all(root_ / "cp");
    ASSERT_TRUE(meta_->checkpoint((root_ / "cp").string()).is_ok());
  }
  // What recover-metadata does: the checkpoint, then the journal.
  std::unique_ptr<MetaStore> recover(MetaStore::JournalReplay* replay) {
    fs::remove_all(root_ / "restored");
    fs::copy(root_ / "cp", root_ / "restored", fs::copy_options::recursive);
    auto m = open_meta("restored");
    auto r = m->replay_journal(journals_);
    EXPECT_TRUE(r.is_ok()) << r.status().to_string();
    if (r.is_ok()) *replay = *r;
    return m;
  }
  void commit_some(int n, int base) { commit_numbered(*meta_, n, base); }
  std::string segment_path(const std::string& dir) {
    auto segs = MetaJournal::list_segments(dir);
    return segs.empty() ? std::string() : segs.rbegin()->second;
  }

  fs::path root_;
  std::vector<std::string> journals_;
  std::unique_ptr<MetaStore> meta_;
};

TEST_F(MetaJournalTest, RecordRoundTripAndNames) {
  uint64_t key = 0;
  EXPECT_EQ(MetaJournal::segment_name(42), "00000000000000000042.mjl");
  EXPECT_TRUE(MetaJournal::parse_segment_name("00000000000000000042.mjl", &key));
  EXPECT_EQ(key, 42u);
  EXPECT_FALSE(MetaJournal::parse_segment_name("0000000000000000004x.mjl", &key));
  EXPECT_FALSE(MetaJournal::parse_segment_name("42.mjl", &key));
  std::string batch(12, '\0');
  batch[8] = 3;  // three operations
  batch += "payload";
  std::string rec = MetaJournal::encode_record(7, batch);
  fs::create_directories(root_ / "x");
  std::string path = (root_ / "x" / MetaJournal::segment_name(6)).string();
  FILE* f = std::fopen(path.c_str(), "wb");
  std::fwrite(rec.data(), 1, rec.size(), f);
  std::fwrite(rec.data(), 1, rec.size() - 1, f);  // torn copy of it
  std::fclose(f);
  auto scan = MetaJournal::read_segment(path);
  ASSERT_TRUE(scan.is_ok());
  ASSERT_EQ(scan->records.size(), 1u);
  EXPECT_EQ(scan->records[0].seq, 7u);
  EXPECT_EQ(scan->records[0].count, 3u);
  EXPECT_EQ(scan->records[0].batch, batch);
  EXPECT_EQ(scan->valid_bytes, rec.size());
  EXPECT_EQ(scan->file_bytes, 2 * rec.size() - 1);
}

TEST_F(MetaJournalTest, ReplayAfterCheckpointEqualsDatabase) {
  commit_some(50, 0);  // before the checkpoint
  checkpoint();
  commit_some(200, 1000);  // after it: only the journal has these
  auto h = meta_->journal_health();
  EXPECT_TRUE(h.attached);
  EXPECT_EQ(h.targets.size(), 2u);
  EXPECT_EQ(h.records, 200u);
  MetaStore::JournalReplay replay;
  auto restored = recover(&replay);
  EXPECT_EQ(replay.batches, 200u);
  EXPECT_EQ(replay.last_sequence, meta_->latest_sequence());
  EXPECT_EQ(replay.stopped, "end of journal");
  EXPECT_EQ(dump(*restored), dump(*meta_));
  EXPECT_EQ(*restored->get_counter(MetaCf::kCounters, "total"), 250);
}

TEST_F(MetaJournalTest, TornTailIsIgnoredAtReplay) {
  checkpoint();
  commit_some(10, 0);
  // A crash mid-append: the last record of both copies is cut short.
  for (const auto& j : journals_) {
    std::string path = segment_path(j);
    auto scan = MetaJournal::read_segment(path);
    ASSERT_TRUE(scan.is_ok());
    fs::resize_file(path, scan->valid_bytes - 5);
  }
  MetaStore::JournalReplay replay;
  auto restored = recover(&replay);
  EXPECT_EQ(replay.batches, 9u);
  EXPECT_EQ(replay.torn_tails, 2u);
  EXPECT_TRUE(restored->get(MetaCf::kObjects, "k8")->has_value());
  EXPECT_FALSE(restored->get(MetaCf::kObjects, "k9")->has_value());
  // The copies are merged: one whole copy of the last record is enough.
  checkpoint();
  commit_some(10, 100);
  fs::resize_file(segment_path(journals_[0]), 20);
  restored.reset();
  auto restored2 = recover(&replay);
  EXPECT_EQ(replay.batches, 10u);
  EXPECT_EQ(dump(*restored2), dump(*meta_));
}

TEST_F(MetaJournalTest, SegmentsArePreallocatedWithZeros) {
  checkpoint();
  commit_some(20, 0);
  for (const auto& j : journals_) {
    std::string path = segment_path(j);
    EXPECT_GE(fs::file_size(path), MetaJournal::kPreallocate);
    auto scan = MetaJournal::read_segment(path);
    ASSERT_TRUE(scan.is_ok());
    EXPECT_EQ(scan->records.size(), 20u);
    EXPECT_EQ(scan->file_bytes, scan->valid_bytes);  // zeros are not a torn tail
  }
  MetaStore::JournalReplay replay;
  auto restored = recover(&replay);
  EXPECT_EQ(replay.batches, 20u);
  EXPECT_EQ(replay.torn_tails, 0u);
  EXPECT_EQ(dump(*restored), dump(*meta_));
}

TEST_F(MetaJournalTest, ReplayStopsAtTheFirstMissingBatch) {
  checkpoint();
  commit_some(5, 0);
  // Damage the third record in both copies: replay keeps the first two.
  for (const auto& j : journals_) {
    std::string path = segment_path(j);
    auto scan = MetaJournal::read_segment(path);
    ASSERT_EQ(scan->records.size(), 5u);
    uint64_t off = 0;
    for (int i = 0; i < 2; ++i) off += 16 + scan->records[i].batch.size();
    int fd = ::open(path.c_str(), O_WRONLY);
    ASSERT_EQ(::pwrite(fd, "X", 1, static_cast<off_t>(off + 20)), 1);
    ::close(fd);
  }
  MetaStore::JournalReplay replay;
  auto restored = recover(&replay);
  EXPECT_EQ(replay.batches, 2u);
  EXPECT_FALSE(restored->get(MetaCf::kObjects, "k2")->has_value());
}

// A batch that reaches the journal before an earlier one is not
// acknowledged until the earlier one is written too: replay would stop at
// the gap and lose it.
TEST_F(MetaJournalTest, AppendWaitsForEarlierBatches) {
  // WriteBatch reps: fixed64 sequence, fixed32 count 1, a byte of body.
  std::string rep1 = std::string(8, '\0') + std::string("\1\0\0\0", 4) + "x";
  std::string rep2 = rep1;
  rep1[0] = 11;  // batch 11, then batch 12
  rep2[0] = 12;
  MetaJournal journal;
  ASSERT_TRUE(journal.open(journals_, 10, {}, {}, 10).is_ok());
  std::atomic<bool> returned{false};
  std::thread later([&] {
    EXPECT_TRUE(journal.append(12, rep2).is_ok());
    returned = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_FALSE(returned) << "batch 12 acknowledged while batch 11 was missing";
  EXPECT_EQ(journal.health().appends, 1u);  // written, not yet acknowledged
  EXPECT_TRUE(journal.append(11, rep1).is_ok());
  later.join();
  EXPECT_TRUE(returned);
  auto scan = MetaJournal::read_segment(segment_path(journals_[0]));
  ASSERT_TRUE(scan.is_ok());
  ASSERT_EQ(scan->records.size(), 2u);
  EXPECT_EQ(scan->records[0].seq, 12u);
  EXPECT_EQ(scan->records[1].seq, 11u);
}

TEST_F(MetaJournalTest, GroupCommitSharesSyncsAcrossThreads) {
  checkpoint();
  constexpr int kThreads = 8, kEach = 100;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] { commit_numbered(*meta_, kEach, t * 10000); });
  }
  for (auto& t : threads) t.join();
  auto h = meta_->journal_health();
  EXPECT_EQ(h.appends, uint64_t{kThreads * kEach});
  EXPECT_LT(h.syncs, h.appends) << "no append shared a sync";
  std::printf("group commit: %llu appends in %llu syncs\n", (unsigned long long)h.appends,
              (unsigned long long)h.syncs);
  MetaStore::JournalReplay replay;
  auto restored = recover(&replay);
  EXPECT_EQ(replay.batches, uint64_t{kThreads * kEach});
  EXPECT_EQ(dump(*restored), dump(*meta_));
}

TEST_F(MetaJournalTest, CheckpointsChainSegments) {
  checkpoint();
  commit_some(10, 0);
  // A segment started without a checkpoint (its checkpoint failed): the
  // older checkpoint still replays through both segments.
  ASSERT_TRUE(meta_->start_journal_segment(journals_).is_ok());
  commit_some(10, 100);
  EXPECT_EQ(MetaJournal::list_segments(journals_[0]).size(), 2u);
  MetaStore::JournalReplay replay;
  auto restored = recover(&replay);
  EXPECT_EQ(replay.batches, 20u);
  EXPECT_EQ(dump(*restored), dump(*meta_));
}

TEST_F(MetaJournalTest, ResumeContinuesACompleteJournalAndDropsATornTail) {
  checkpoint();
  commit_some(5, 0);
  meta_.reset();
  // Garbage after the last record: a crash while appending a batch whose
  // RocksDB commit did not happen.
  for (const auto& j : journals_) {
    std::FILE* f = std::fopen(segment_path(j).c_str(), "ab");
    std::fputs("partial record", f);
    std::fclose(f);
  }
  meta_ = open_meta("meta");
  commit_some(3, 100);  // before the journal opens: held, then written first
  auto resumed = meta_->resume_journal(journals_);
  ASSERT_TRUE(resumed.is_ok());
  EXPECT_EQ(*resumed, 2u);
  commit_some(5, 200);
  MetaStore::JournalReplay replay;
  auto restored = recover(&replay);
  EXPECT_EQ(replay.batches, 13u);
  EXPECT_EQ(dump(*restored), dump(*meta_));
}

TEST_F(MetaJournalTest, LaggingJournalIsReportedAtResume) {
  checkpoint();
  commit_some(5, 0);
  meta_.reset();
  // A commit that reached RocksDB but not the journal (crash in between).
  meta_ = open_meta("meta");
  commit_some(1, 100);
  meta_.reset();
  meta_ = open_meta("meta");
  auto resumed = meta_->resume_journal(journals_);
  ASSERT_TRUE(resumed.is_ok());
  EXPECT_EQ(*resumed, 0u);
  // What the store does then: a checkpoint with a new segment.
  checkpoint();
  commit_some(4, 200);
  meta_.reset();
  meta_ = open_meta("meta");
  EXPECT_EQ(*meta_->resume_journal(journals_), 2u);
  MetaStore::JournalReplay replay;
  auto restored = recover(&replay);
  EXPECT_EQ(replay.batches, 4u);
  EXPECT_EQ(dump(*restored), dump(*meta_));
}

TEST_F(MetaJournalTest, FailedCopyIsDroppedAndCommitsContinue) {
  // The next segment's file on j2 is a device that refuses writes.
  fs::create_directories(journals_[1]);
  uint64_t key = meta_->latest_sequence();
  fs::create_symlink("/dev/full", fs::path(journals_[1]) / MetaJournal::segment_name(key));
  checkpoint();
  commit_some(5, 0);
  auto h = meta_->journal_health();
  ASSERT_EQ(h.failed.size(), 1u);
  EXPECT_EQ(h.failed[0], journals_[1]);
  EXPECT_FALSE(h.degraded());
  MetaStore::JournalReplay replay;
  auto restored = recover(&replay);
  EXPECT_EQ(replay.batches, 5u);
  EXPECT_EQ(dump(*restored), dump(*meta_));
  // With no copy left the journal says so.
  key = meta_->latest_sequence();
  for (const auto& j : journals_) {
    fs::create_symlink("/dev/full", fs::path(j) / MetaJournal::segment_name(key));
  }
  EXPECT_FALSE(meta_->start_journal_segment(journals_).is_ok());
  commit_some(1, 100);
  auto degraded = meta_->journal_health();
  EXPECT_TRUE(degraded.degraded());
  EXPECT_EQ(degraded.failed.size(), 2u);
  // No copy holds that commit: RocksDB's own log was synced for it.
  EXPECT_GE(degraded.fallback_syncs, 1u);
}

}  // namespace
}  // namespace skyarray
