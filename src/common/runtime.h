// Runtime: the process's threads and event loops.
//
// - One io_context per I/O thread (default: one per core). A connection lives
//   on one io_context for its whole life, so its handlers never run
//   concurrently and need no strands or locks.
// - A blocking-work pool for disk I/O and other calls that may block
//   (fsync, RocksDB writes): network threads never wait on a disk.
// - Clean shutdown: SIGINT/SIGTERM (or stop()) runs the shutdown hooks in
//   reverse registration order (listeners stop accepting, connections
//   drain), then the loops are stopped after a grace period.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include "common/async.h"
#include "common/status.h"

namespace boost::asio {
class io_context;
}

namespace skyarray {

class ConfigSection;

struct RuntimeOptions {
  size_t io_threads = 0;        // 0: one per core
  size_t blocking_threads = 0;  // 0: max(4, 2 * cores)
  double shutdown_grace_seconds = 10;

  static Result<RuntimeOptions> from_config(const ConfigSection& section);
};

class Runtime {
 public:
  explicit Runtime(RuntimeOptions options = {});
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  size_t io_thread_count() const;
  // The event loop of I/O thread `i` (0 <= i < io_thread_count()).
  boost::asio::io_context& io(size_t i = 0);
  // Round-robin choice of a loop for a new connection.
  boost::asio::io_context& next_io();

  // Runs fn() on the blocking pool; the awaiting coroutine resumes on its own
  // executor afterwards. fn must not throw.
  Task<void> offload(std::function<void()> fn);

  // Typed convenience over offload(): co_await rt.blocking([&]{ return f(); }).
  template <typename F>
  Task<std::invoke_result_t<F>> blocking(F fn) {
    using R = std::invoke_result_t<F>;
    if constexpr (std::is_void_v<R>) {
      co_await offload(std::move(fn));
    } else {
      std::optional<R> out;
      co_await offload([&] { out.emplace(fn()); });
      co_return std::move(*out);
    }
  }

  // Runs fn() on the calling network thread when everything it reads is
  // already in memory, else on the blocking pool: a request whose metadata is
  // cached then costs no thread switch. fn first runs inline with
  // memory_only() true; a reader that would have to wait for a disk (a
  // RocksDB block not in the cache) calls note_would_block() and fails, and
  // fn then runs again on the pool, whose result is the one returned. So fn
  // must only read (any effect before a failing read must be harmless to
  // repeat) and must not block on anything but such readers.
  template <typename F>
  Task<std::invoke_result_t<F>> cached_or_blocking(F fn) {
    {
      MemoryOnlyScope scope;
      auto inline_result = fn();
      if (!scope.would_block()) co_return inline_result;
    }
    co_return co_await blocking(std::move(fn));
  }
  // True on a thread inside the inline run of cached_or_blocking(): disk
  // readers must not block and call note_would_block() instead.
  static bool memory_only();
  static void note_would_block();
  // True inside that inline run once a reader noted it would block: the run
  // will be redone, so nothing may be written any more (its reads were not
  // all answered).
  static bool would_block_noted();

  // Hooks run once, on I/O thread 0, when shutdown starts.
  void on_shutdown(std::function<void()> hook);

  // Runs the loops on io_thread_count() threads (the caller's thread is
  // thread 0) until shutdown completes. Installs SIGINT/SIGTERM handlers.
  void run();
  // Starts a clean shutdown; safe from any thread and from signal context
  // via the installed handlers. Idempotent.
  void stop();
  bool stopping() const;

 private:
  // Marks the current thread memory-only while alive; nested scopes share
  // the outer one's would-block note.
  class MemoryOnlyScope {
   public:
    MemoryOnlyScope();
    ~MemoryOnlyScope();
    MemoryOnlyScope(const MemoryOnlyScope&) = delete;
    MemoryOnlyScope& operator=(const MemoryOnlyScope&) = delete;
    bool would_block() const;

   private:
    bool outer_;
  };

  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace skyarray
