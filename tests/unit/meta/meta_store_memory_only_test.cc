// MetaStore under Runtime::cached_or_blocking: on the network thread reads
// come from memory only; one that needs the disk is redone on the pool.
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <thread>

#include "common/runtime.h"
#include "meta/meta_store.h"

namespace asio = boost::asio;

namespace skyarray {
namespace {

struct CachedGet {
  int calls = 0;
  bool last_call_on_loop = false;
  Result<std::optional<std::string>> value = Status::internal("not run");
};

// One cached_or_blocking get of `key`, driven on loop 0 of a fresh runtime.
CachedGet cached_get(MetaStore& meta, const std::string& key) {
  Runtime rt({.io_threads = 1, .blocking_threads = 1});
  CachedGet run;
  asio::co_spawn(
      rt.io(0),
      [&]() -> Task<void> {
        auto loop = std::this_thread::get_id();
        run.value = co_await rt.cached_or_blocking([&] {
          ++run.calls;
          run.last_call_on_loop = std::this_thread::get_id() == loop;
          return meta.get(MetaCf::kObjects, key);
        });
        rt.stop();
      },
      asio::detached);
  rt.run();
  return run;
}

struct CachedRun {
  int calls = 0;
  bool last_call_on_loop = false;
  Status status = Status::internal("not run");
};

// One cached_or_blocking run of fn() (returning Status), driven on loop 0.
template <typename F>
CachedRun cached_run(F fn) {
  Runtime rt({.io_threads = 1, .blocking_threads = 1});
  CachedRun run;
  asio::co_spawn(
      rt.io(0),
      [&]() -> Task<void> {
        auto loop = std::this_thread::get_id();
        run.status = co_await rt.cached_or_blocking([&] {
          ++run.calls;
          run.last_call_on_loop = std::this_thread::get_id() == loop;
          return fn();
        });
        rt.stop();
      },
      asio::detached);
  rt.run();
  return run;
}

// A store whose key "k" (and "k1".."k3") sits in a table file only: a fresh
// open has none of it cached.
class ColdStore : public ::testing::Test {
 protected:
  // The commits synced (no journal here) or not: a synced one never runs
  // inline; an unsynced one stands for a commit with a live journal, whose
  // sync the committer thread does.
  void open(bool sync) {
    meta_.reset();
    MetaStoreOptions o;
    o.sync = sync;
    auto m = MetaStore::open((base_ / "b").string(), o);
    ASSERT_TRUE(m.is_ok()) << m.status().to_string();
    meta_ = std::move(*m);
  }
  void SetUp() override {
    base_ = std::filesystem::temp_directory_path() /
            ("meta_memonly_cold_" + std::to_string(::getpid()));
    std::filesystem::remove_all(base_);
    {
      auto m = MetaStore::open((base_ / "a").string());
      ASSERT_TRUE(m.is_ok()) << m.status().to_string();
      MetaBatch b;
      for (const char* k : {"k", "k1", "k2", "k3"}) b.put(MetaCf::kObjects, k, "v");
      ASSERT_TRUE((*m)->commit(std::move(b)).is_ok());
      ASSERT_TRUE((*m)->checkpoint((base_ / "b").string()).is_ok());
    }
    auto m = MetaStore::open((base_ / "b").string());
    ASSERT_TRUE(m.is_ok()) << m.status().to_string();
    meta_ = std::move(*m);
  }
  void TearDown() override {
    meta_.reset();
    std::filesystem::remove_all(base_);
  }
  Status scan_all(ScanSpan span) {
    auto it = meta_->scan_prefix(MetaCf::kObjects, "k", span);
    for (it->seek_to_first(); it->valid(); it->next()) {
    }
    return it->status();
  }
  int64_t counter() { return *meta_->get_counter(MetaCf::kCounters, "c"); }

  std::filesystem::path base_;
  std::unique_ptr<MetaStore> meta_;
};

TEST_F(ColdStore, ShortScansAreCachedListingsAreNot) {
  // A listing (kMany) leaves the cache alone: the next one needs the disk too.
  EXPECT_EQ(cached_run([&] { return scan_all(ScanSpan::kMany); }).calls, 2);
  EXPECT_EQ(cached_run([&] { return scan_all(ScanSpan::kMany); }).calls, 2);
  // One key's versions (kFew) are cached like a get: the second runs inline.
  EXPECT_EQ(cached_run([&] { return scan_all(ScanSpan::kFew); }).calls, 2);
  CachedRun warm = cached_run([&] { return scan_all(ScanSpan::kFew); });
  EXPECT_TRUE(warm.status.is_ok()) << warm.status.to_string();
  EXPECT_EQ(warm.calls, 1);
  EXPECT_TRUE(warm.last_call_on_loop);
}

// A read-check-commit whose read needs the disk: the inline run must not
// commit (its read failed), and the pool's run commits once.
TEST_F(ColdStore, CommitAfterAnUncachedReadIsLeftToThePool) {
  CachedRun run = cached_run([&]() -> Status {
    auto v = meta_->get(MetaCf::kObjects, "k");
    MetaBatch b;
    b.add(MetaCf::kCounters, "c", 1);
    auto ticket = meta_->apply(std::move(b));
    if (!v.is_ok()) return v.status();
    return ticket.status();
  });
  ASSERT_TRUE(run.status.is_ok()) << run.status.to_string();
  EXPECT_EQ(run.calls, 2);
  EXPECT_FALSE(run.last_call_on_loop);
  EXPECT_EQ(counter(), 1) << "the inline run committed too";
}

TEST_F(ColdStore, CachedReadCheckCommitRunsInline) {
  open(false);
  ASSERT_TRUE(meta_->get(MetaCf::kObjects, "k").is_ok());  // now cached
  CachedRun run = cached_run([&]() -> Status {
    SKY_ASSIGN_OR_RETURN(auto v, meta_->get(MetaCf::kObjects, "k"));
    MetaBatch b;
    b.add(MetaCf::kCounters, "c", v ? 1 : 100);
    return meta_->apply(std::move(b)).status();
  });
  ASSERT_TRUE(run.status.is_ok()) << run.status.to_string();
  EXPECT_EQ(run.calls, 1);
  EXPECT_TRUE(run.last_call_on_loop);
  EXPECT_EQ(counter(), 1);
}

TEST_F(ColdStore, SyncedCommitIsLeftToThePool) {
  ASSERT_TRUE(meta_->get(MetaCf::kObjects, "k").is_ok());  // cached: only the sync waits
  CachedRun run = cached_run([&] {
    MetaBatch b;
    b.add(MetaCf::kCounters, "c", 1);
    return meta_->apply(std::move(b)).status();
  });
  ASSERT_TRUE(run.status.is_ok()) << run.status.to_string();
  EXPECT_EQ(run.calls, 2);
  EXPECT_EQ(counter(), 1);
}

// commit() waits for the sync: never on the network thread.
TEST_F(ColdStore, WaitingCommitIsLeftToThePool) {
  open(false);
  CachedRun run = cached_run([&] {
    MetaBatch b;
    b.add(MetaCf::kCounters, "c", 1);
    return meta_->commit(std::move(b));
  });
  ASSERT_TRUE(run.status.is_ok()) << run.status.to_string();
  EXPECT_EQ(run.calls, 2);
  EXPECT_EQ(counter(), 1);
}

TEST(MetaStoreMemoryOnlyTest, DiskReadsMoveToThePoolCachedReadsStayInline) {
  auto base =
      std::filesystem::temp_directory_path() / ("meta_memonly_" + std::to_string(::getpid()));
  std::filesystem::remove_all(base);
  {
    auto m = MetaStore::open((base / "a").string());
    ASSERT_TRUE(m.is_ok()) << m.status().to_string();
    MetaBatch b;
    b.put(MetaCf::kObjects, "k", "v");
    ASSERT_TRUE((*m)->commit(std::move(b)).is_ok());
    // The checkpoint holds the key in a table file, not in a memtable.
    ASSERT_TRUE((*m)->checkpoint((base / "b").string()).is_ok());
  }
  auto m = MetaStore::open((base / "b").string());
  ASSERT_TRUE(m.is_ok()) << m.status().to_string();

  // Cold cache: the inline attempt would need the disk, so the pool reads.
  CachedGet cold = cached_get(**m, "k");
  ASSERT_TRUE(cold.value.is_ok()) << cold.value.status().to_string();
  EXPECT_EQ(cold.value->value_or("<absent>"), "v");
  EXPECT_EQ(cold.calls, 2);
  EXPECT_FALSE(cold.last_call_on_loop);

  // Now cached: served on the loop, once.
  CachedGet warm = cached_get(**m, "k");
  ASSERT_TRUE(warm.value.is_ok()) << warm.value.status().to_string();
  EXPECT_EQ(warm.value->value_or("<absent>"), "v");
  EXPECT_EQ(warm.calls, 1);
  EXPECT_TRUE(warm.last_call_on_loop);

  // Outside cached_or_blocking nothing changes: a plain get reads the disk.
  EXPECT_FALSE(Runtime::memory_only());
  auto plain = (*m)->get(MetaCf::kObjects, "absent-key");
  ASSERT_TRUE(plain.is_ok());
  EXPECT_FALSE(plain->has_value());
  m->reset();
  std::filesystem::remove_all(base);
}

}  // namespace
}  // namespace skyarray
