// kill -9 during concurrent commits: every acknowledged commit is in the
// journal, and checkpoint + journal replay gives exactly what RocksDB holds
// (or, when the kill fell between a RocksDB commit and its append, a state
// the next open detects as lagging).
//
// The committing process is this test binary run again with
// SKYARRAY_CRASH_CHILD set (MetaJournalCrashChild.Commit), so that it starts
// clean rather than as a fork of a process with RocksDB threads.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <thread>

#include "meta/meta_journal.h"
#include "meta/meta_store.h"
#include "meta_test_util.h"

namespace skyarray {
namespace {

namespace fs = std::filesystem;

// The last sequence number the newest segment in `dir` holds.
uint64_t copy_end(const std::string& dir) {
  auto segs = MetaJournal::list_segments(dir);
  if (segs.empty()) return 0;
  auto scan = MetaJournal::read_segment(segs.rbegin()->second);
  uint64_t end = segs.rbegin()->first;
  if (!scan.is_ok()) return end;
  for (const auto& r : scan->records) end = std::max(end, r.seq + r.count - 1);
  return end;
}

constexpr int kThreads = 4;

std::string value_of(uint64_t id) {
  return std::string(50 + id % 500, static_cast<char>('a' + id % 26)) + std::to_string(id);
}

std::string key_of(uint64_t id) {
  return "t" + std::to_string(id >> 32) + "-" + std::to_string(id & 0xffffffff);
}

// Commits until killed; writes the id of each acknowledged commit to the
// pipe fd given in SKYARRAY_CRASH_ACK.
TEST(MetaJournalCrashChild, Commit) {
  const char* dir = std::getenv("SKYARRAY_CRASH_CHILD");
  if (!dir) GTEST_SKIP() << "runs as the child of MetaJournalCrash";
  int ack = std::atoi(std::getenv("SKYARRAY_CRASH_ACK"));
  fs::path root(dir);
  auto meta = std::move(MetaStore::open((root / "meta").string())).value();
  std::vector<std::string> journals = {(root / "j1").string(), (root / "j2").string()};
  ASSERT_TRUE(meta->start_journal_segment(journals).is_ok());
  ASSERT_TRUE(meta->checkpoint((root / "cp").string()).is_ok());
  std::vector<std::thread> threads;
  for (uint64_t t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (uint64_t i = 0;; ++i) {
        uint64_t id = t << 32 | i;
        MetaBatch b;
        b.put(MetaCf::kObjects, key_of(id), value_of(id));
        b.add(MetaCf::kCounters, "total", 1);
        if (i % 3 == 2) b.erase(MetaCf::kObjects, key_of(id - 1));
        if (!meta->commit(std::move(b)).is_ok()) std::abort();
        if (::write(ack, &id, sizeof(id)) != sizeof(id)) std::abort();
      }
    });
  }
  for (auto& th : threads) th.join();
}

TEST(MetaJournalCrash, KillDuringCommitsLosesNoAcknowledgedCommit) {
  int lagging = 0;
  for (int round = 0; round < 4; ++round) {
    fs::path root = fs::temp_directory_path() /
                    ("meta_crash_" + std::to_string(::getpid()) + "_" + std::to_string(round));
    fs::remove_all(root);
    fs::create_directories(root);
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      ::setenv("SKYARRAY_CRASH_CHILD", root.c_str(), 1);
      ::setenv("SKYARRAY_CRASH_ACK", std::to_string(fds[1]).c_str(), 1);
      ::execl("/proc/self/exe", "unit_meta", "--gtest_filter=MetaJournalCrashChild.Commit",
              nullptr);
      ::_exit(127);
    }
    ::close(fds[1]);
    // Let it commit for a while (more each round), then kill it mid-flight.
    std::set<uint64_t> acked;
    const size_t target = 300 + 400 * static_cast<size_t>(round);
    uint64_t id;
    while (acked.size() < target && ::read(fds[0], &id, sizeof(id)) == sizeof(id)) {
      acked.insert(id);
    }
    ASSERT_EQ(acked.size(), target) << "child stopped early";
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    while (::read(fds[0], &id, sizeof(id)) == sizeof(id)) acked.insert(id);
    ::close(fds[0]);

    auto original = std::move(MetaStore::open((root / "meta").string())).value();
    fs::copy(root / "cp", root / "restored", fs::copy_options::recursive);
    auto restored = std::move(MetaStore::open((root / "restored").string())).value();
    std::vector<std::string> journals = {(root / "j1").string(), (root / "j2").string()};
    auto replay = restored->replay_journal(journals);
    ASSERT_TRUE(replay.is_ok()) << replay.status().to_string();
    std::printf("round %d: %zu acknowledged, replayed %llu batches to sequence %llu of %llu\n",
                round, acked.size(), (unsigned long long)replay->batches,
                (unsigned long long)replay->last_sequence,
                (unsigned long long)original->latest_sequence());
    for (uint64_t a : acked) {
      auto v = restored->get(MetaCf::kObjects, key_of(a));
      ASSERT_TRUE(v.is_ok());
      if (!v->has_value() && (a & 0xffffffff) % 3 == 1) {
        // Erased by the thread's next commit, which must then be there.
        ASSERT_TRUE(restored->get(MetaCf::kObjects, key_of(a + 1))->has_value()) << key_of(a);
        continue;
      }
      ASSERT_TRUE(v->has_value()) << key_of(a) << " acknowledged but not replayed";
      ASSERT_EQ(**v, value_of(a));
    }
    ASSERT_GE(*restored->get_counter(MetaCf::kCounters, "total"),
              static_cast<int64_t>(acked.size()));
    if (replay->last_sequence == original->latest_sequence()) {
      EXPECT_EQ(dump(*restored), dump(*original));
      // The merged copies are complete; the segment resumes only if each
      // copy alone is (the kill may fall between the copies' writes).
      bool each = copy_end(journals[0]) == original->latest_sequence() &&
                  copy_end(journals[1]) == original->latest_sequence();
      EXPECT_EQ(*original->resume_journal(journals) > 0u, each);
    } else {
      // Killed between a RocksDB commit and its append: the journal lags,
      // which the next open sees (and answers with a checkpoint).
      ASSERT_LT(replay->last_sequence, original->latest_sequence());
      EXPECT_EQ(*original->resume_journal(journals), 0u);
      lagging++;
    }
    original.reset();
    restored.reset();
    fs::remove_all(root);
  }
  std::printf("%d of 4 rounds ended with the journal behind RocksDB\n", lagging);
}

}  // namespace
}  // namespace skyarray
