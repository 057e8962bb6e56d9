// IoPool: the store's disk threads, and a one-shot awaitable completion.
//
// Internal to store/ (includes Asio). Disk work never runs on the caller's
// executor: run() hops to a pool thread and resumes the coroutine on its own
// executor afterwards. Completion lets a coroutine wait for work it started
// earlier (a chunk flush) while it keeps doing other things.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <type_traits>

#include "common/async.h"
#include "common/mutex.h"
#include "common/status.h"

namespace skyarray {

class IoPool {
 public:
  explicit IoPool(size_t threads) : pool_(threads) {}
  ~IoPool() { pool_.join(); }

  void post(std::function<void()> fn) { boost::asio::post(pool_, std::move(fn)); }
  // Jobs posted to one strand run one at a time, in order.
  boost::asio::strand<boost::asio::thread_pool::executor_type> make_strand() {
    return boost::asio::make_strand(pool_.get_executor());
  }

  template <typename F>
  Task<std::invoke_result_t<F>> run(F fn) {
    namespace asio = boost::asio;
    using R = std::invoke_result_t<F>;
    std::optional<R> out;
    co_await asio::async_initiate<decltype(asio::use_awaitable), void()>(
        [this, &out, &fn](auto handler) {
          auto home = asio::get_associated_executor(handler);
          asio::post(pool_, [h = std::move(handler), &out, &fn,
                             guard = asio::make_work_guard(home)]() mutable {
            out.emplace(fn());
            auto ex = guard.get_executor();
            asio::dispatch(ex, std::move(h));
          });
        },
        asio::use_awaitable);
    co_return std::move(*out);
  }

 private:
  boost::asio::thread_pool pool_;
};

// A Status set once from any thread, awaited at most once.
class Completion {
 public:
  void set(Status s) {
    std::function<void()> resume;
    {
      MutexLock lock(&mu_);
      value_ = std::move(s);
      done_ = true;
      resume.swap(resume_);
    }
    if (resume) resume();
  }

  bool done() const {
    MutexLock lock(&mu_);
    return done_;
  }

  Task<Status> wait() {
    namespace asio = boost::asio;
    co_await asio::async_initiate<decltype(asio::use_awaitable), void()>(
        [this](auto handler) {
          auto home = asio::get_associated_executor(handler);
          using H = decltype(handler);
          auto hp = std::make_shared<H>(std::move(handler));
          auto guard = std::make_shared<asio::executor_work_guard<decltype(home)>>(home);
          std::function<void()> resume = [hp, guard] {
            auto ex = guard->get_executor();
            asio::dispatch(ex, std::move(*hp));
          };
          {
            MutexLock lock(&mu_);
            if (!done_) {
              resume_ = std::move(resume);
              return;
            }
          }
          resume();
        },
        asio::use_awaitable);
    MutexLock lock(&mu_);
    co_return value_;
  }

 private:
  mutable Mutex mu_;
  bool done_ GUARDED_BY(mu_) = false;
  Status value_ GUARDED_BY(mu_);
  std::function<void()> resume_ GUARDED_BY(mu_);
};

}  // namespace skyarray
