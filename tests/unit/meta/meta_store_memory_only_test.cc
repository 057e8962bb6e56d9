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
