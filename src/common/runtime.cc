#include "common/runtime.h"

#include <spdlog/spdlog.h>
#include <algorithm>
#include <atomic>
#include <boost/asio/async_result.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <csignal>
#include <mutex>
#include <thread>
#include <vector>

#include "common/config.h"
#include "common/mutex.h"

namespace asio = boost::asio;

namespace skyarray {

Result<RuntimeOptions> RuntimeOptions::from_config(const ConfigSection& section) {
  RuntimeOptions o;
  int64_t io = 0, blocking = 0;
  SKY_RETURN_IF_ERROR(section.read("io_threads", &io, 0, 256));
  SKY_RETURN_IF_ERROR(section.read("blocking_threads", &blocking, 0, 1024));
  SKY_RETURN_IF_ERROR(section.read_seconds("shutdown_grace", &o.shutdown_grace_seconds, 0, 3600));
  o.io_threads = static_cast<size_t>(io);
  o.blocking_threads = static_cast<size_t>(blocking);
  return o;
}

namespace {
// State of Runtime::cached_or_blocking's inline run on this thread.
thread_local bool t_memory_only = false;
thread_local bool t_would_block = false;
}  // namespace

bool Runtime::memory_only() {
  return t_memory_only;
}

void Runtime::note_would_block() {
  if (t_memory_only) t_would_block = true;
}

bool Runtime::would_block_noted() {
  return t_memory_only && t_would_block;
}

Runtime::MemoryOnlyScope::MemoryOnlyScope() : outer_(t_memory_only) {
  t_memory_only = true;
  if (!outer_) t_would_block = false;
}

Runtime::MemoryOnlyScope::~MemoryOnlyScope() {
  t_memory_only = outer_;
  if (!outer_) t_would_block = false;
}

bool Runtime::MemoryOnlyScope::would_block() const {
  return t_would_block;
}

struct Runtime::Impl {
  using WorkGuard = asio::executor_work_guard<asio::io_context::executor_type>;

  explicit Impl(RuntimeOptions o) : options(o), pool(pool_size(o)) {
    size_t n = options.io_threads != 0 ? options.io_threads
                                       : std::max<size_t>(1, std::thread::hardware_concurrency());
    for (size_t i = 0; i < n; ++i) {
      // Concurrency hint 1: each loop is run by exactly one thread.
      loops.push_back(std::make_unique<asio::io_context>(1));
      guards.emplace_back(loops.back()->get_executor());
    }
  }

  static size_t pool_size(const RuntimeOptions& o) {
    if (o.blocking_threads != 0) return o.blocking_threads;
    return std::max<size_t>(4, 2 * std::max<size_t>(1, std::thread::hardware_concurrency()));
  }

  // Runs on loop 0. Hooks first (in reverse order: the last component
  // started is the first stopped), then the loops are released so they end
  // when their work drains, or are stopped when the grace period passes.
  void begin_shutdown() {
    std::vector<std::function<void()>> to_run;
    {
      MutexLock lock(&mu);
      to_run.swap(hooks);
    }
    for (auto it = to_run.rbegin(); it != to_run.rend(); ++it) (*it)();
    for (auto& g : guards) g.reset();
    // The watchdog is a thread, not a timer on a loop: a pending timer would
    // itself keep that loop alive for the whole grace period.
    watchdog = std::thread([this] {
      MutexLock lock(&mu);
      auto grace =
          std::chrono::milliseconds(static_cast<int64_t>(options.shutdown_grace_seconds * 1000));
      if (!drained_cv.wait_for(grace, [this] {
            mu.assert_held();
            return drained;
          })) {
        spdlog::warn("shutdown grace period over; stopping remaining work");
        for (auto& l : loops) l->stop();
      }
    });
  }

  RuntimeOptions options;
  std::vector<std::unique_ptr<asio::io_context>> loops;
  std::vector<WorkGuard> guards;
  asio::thread_pool pool;
  std::atomic<size_t> next{0};
  std::atomic<bool> stopping{false};
  Mutex mu;
  std::vector<std::function<void()>> hooks GUARDED_BY(mu);
  CondVar drained_cv{&mu};
  bool drained GUARDED_BY(mu) = false;
  std::thread watchdog;
};

Runtime::Runtime(RuntimeOptions options) : impl_(std::make_unique<Impl>(options)) {}

Runtime::~Runtime() {
  for (auto& l : impl_->loops) l->stop();
  if (impl_->watchdog.joinable()) {
    {
      MutexLock lock(&impl_->mu);
      impl_->drained = true;
    }
    impl_->drained_cv.signal_all();
    impl_->watchdog.join();
  }
  impl_->pool.join();
}

size_t Runtime::io_thread_count() const {
  return impl_->loops.size();
}

asio::io_context& Runtime::io(size_t i) {
  return *impl_->loops.at(i);
}

asio::io_context& Runtime::next_io() {
  size_t i = impl_->next.fetch_add(1, std::memory_order_relaxed);
  return *impl_->loops[i % impl_->loops.size()];
}

Task<void> Runtime::offload(std::function<void()> fn) {
  // The completion handler is the suspended coroutine: run fn on the pool,
  // then hand the handler back to the coroutine's own executor. The work
  // guard keeps that loop alive while the coroutine waits.
  auto& pool = impl_->pool;
  co_await asio::async_initiate<decltype(asio::use_awaitable), void()>(
      [&pool](auto handler, std::function<void()> work) {
        auto home = asio::get_associated_executor(handler);
        asio::post(pool, [h = std::move(handler), work = std::move(work),
                          guard = asio::make_work_guard(home)]() mutable {
          work();
          auto ex = guard.get_executor();
          asio::dispatch(ex, std::move(h));
        });
      },
      asio::use_awaitable, std::move(fn));
}

void Runtime::on_shutdown(std::function<void()> hook) {
  MutexLock lock(&impl_->mu);
  impl_->hooks.push_back(std::move(hook));
}

void Runtime::run() {
  asio::signal_set signals(*impl_->loops[0], SIGINT, SIGTERM);
  signals.async_wait([this](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    spdlog::info("signal {} received; shutting down", sig);
    stop();
  });
  on_shutdown([&signals] { signals.cancel(); });

  std::vector<std::thread> threads;
  for (size_t i = 1; i < impl_->loops.size(); ++i) {
    threads.emplace_back([this, i] { impl_->loops[i]->run(); });
  }
  impl_->loops[0]->run();
  // Loop 0 has finished; the others may still drain up to the grace period.
  for (auto& t : threads) t.join();
  {
    MutexLock lock(&impl_->mu);
    impl_->drained = true;
  }
  impl_->drained_cv.signal_all();
  if (impl_->watchdog.joinable()) impl_->watchdog.join();
  impl_->pool.wait();
}

void Runtime::stop() {
  if (impl_->stopping.exchange(true)) return;
  asio::post(*impl_->loops[0], [this] { impl_->begin_shutdown(); });
}

bool Runtime::stopping() const {
  return impl_->stopping.load();
}

}  // namespace skyarray
