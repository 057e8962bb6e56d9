#include "common/runtime.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <csignal>
#include <thread>
#include <vector>

namespace asio = boost::asio;

namespace skyarray {
namespace {

TEST(RuntimeTest, OffloadRunsOffTheLoopAndResumesOnIt) {
  Runtime rt({.io_threads = 2, .blocking_threads = 2});
  std::thread::id loop_thread, work_thread, resumed_thread;
  int answer = 0;
  asio::co_spawn(
      rt.io(0),
      [&]() -> Task<void> {
        loop_thread = std::this_thread::get_id();
        answer = co_await rt.blocking([&] {
          work_thread = std::this_thread::get_id();
          return 42;
        });
        resumed_thread = std::this_thread::get_id();
        rt.stop();
      },
      asio::detached);
  rt.run();
  EXPECT_EQ(answer, 42);
  EXPECT_NE(loop_thread, work_thread);
  EXPECT_EQ(loop_thread, resumed_thread);
}

TEST(RuntimeTest, CachedOrBlockingStaysInlineUnlessAReaderWouldBlock) {
  Runtime rt({.io_threads = 1, .blocking_threads = 1});
  std::thread::id loop_thread;
  std::vector<std::pair<bool, bool>> cached_calls, uncached_calls;  // {on loop, memory only}
  int cached = 0, uncached = 0;
  asio::co_spawn(
      rt.io(0),
      [&]() -> Task<void> {
        loop_thread = std::this_thread::get_id();
        cached = co_await rt.cached_or_blocking([&] {
          cached_calls.emplace_back(std::this_thread::get_id() == loop_thread,
                                    Runtime::memory_only());
          return 1;
        });
        uncached = co_await rt.cached_or_blocking([&] {
          bool memory_only = Runtime::memory_only();
          uncached_calls.emplace_back(std::this_thread::get_id() == loop_thread, memory_only);
          if (memory_only) Runtime::note_would_block();
          return memory_only ? -1 : 2;
        });
        EXPECT_FALSE(Runtime::memory_only());
        rt.stop();
      },
      asio::detached);
  rt.run();
  EXPECT_EQ(cached, 1);
  EXPECT_EQ(cached_calls, (std::vector<std::pair<bool, bool>>{{true, true}}));
  // The inline result is dropped; the pool's is returned.
  EXPECT_EQ(uncached, 2);
  EXPECT_EQ(uncached_calls, (std::vector<std::pair<bool, bool>>{{true, true}, {false, false}}));
  // Outside a memory-only run the note is ignored.
  Runtime::note_would_block();
  EXPECT_FALSE(Runtime::memory_only());
}

TEST(RuntimeTest, ShutdownRunsHooksInReverseOrderThenReturns) {
  Runtime rt({.io_threads = 2, .blocking_threads = 1});
  std::vector<int> order;
  rt.on_shutdown([&] { order.push_back(1); });
  rt.on_shutdown([&] { order.push_back(2); });
  asio::post(rt.io(1), [&] { rt.stop(); });
  auto start = std::chrono::steady_clock::now();
  rt.run();
  EXPECT_EQ(order, (std::vector<int>{2, 1}));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2))
      << "with no pending work, shutdown must not wait out the grace period";
}

TEST(RuntimeTest, SigtermStartsCleanShutdown) {
  Runtime rt({.io_threads = 1, .blocking_threads = 1});
  bool hook_ran = false;
  rt.on_shutdown([&] { hook_ran = true; });
  std::thread killer([] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    ::kill(::getpid(), SIGTERM);
  });
  rt.run();
  killer.join();
  EXPECT_TRUE(hook_ran);
  EXPECT_TRUE(rt.stopping());
}

TEST(RuntimeTest, GracePeriodBoundsStuckWork) {
  Runtime rt({.io_threads = 1, .blocking_threads = 1, .shutdown_grace_seconds = 0.3});
  // A connection that never finishes on its own: a timer far in the future.
  asio::steady_timer forever(rt.io(0), std::chrono::hours(1));
  forever.async_wait([](const boost::system::error_code&) {});
  asio::post(rt.io(0), [&] { rt.stop(); });
  auto start = std::chrono::steady_clock::now();
  rt.run();
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_GE(took, std::chrono::milliseconds(250));
  EXPECT_LT(took, std::chrono::seconds(5));
}

TEST(RuntimeTest, NextIoRoundRobins) {
  Runtime rt({.io_threads = 3, .blocking_threads = 1});
  EXPECT_EQ(rt.io_thread_count(), 3u);
  auto* a = &rt.next_io();
  auto* b = &rt.next_io();
  auto* c = &rt.next_io();
  auto* d = &rt.next_io();
  EXPECT_NE(a, b);
  EXPECT_NE(b, c);
  EXPECT_EQ(a, d);
}

}  // namespace
}  // namespace skyarray
