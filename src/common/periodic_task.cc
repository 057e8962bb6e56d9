#include "common/periodic_task.h"

#include <algorithm>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "common/runtime.h"

namespace skyarray {

namespace asio = boost::asio;

Task<void> sleep_until(std::chrono::steady_clock::time_point t) {
  asio::steady_timer timer(co_await asio::this_coro::executor, t);
  co_await timer.async_wait(asio::use_awaitable);
}

Task<void> sleep_for(std::chrono::steady_clock::duration d) {
  co_await sleep_until(std::chrono::steady_clock::now() + d);
}

Task<void> run_periodically(Runtime& rt, double interval_seconds,
                            std::function<Task<void>()> pass) {
  // Sleeps in short slices: a pending timer keeps the runtime's loops busy,
  // so an interval of minutes would hold up shutdown until its grace period.
  constexpr auto kSlice = std::chrono::milliseconds(100);
  const auto interval = std::chrono::milliseconds(static_cast<int64_t>(interval_seconds * 1000));
  auto next = std::chrono::steady_clock::now() + interval;
  while (!rt.stopping()) {
    auto now = std::chrono::steady_clock::now();
    if (now < next) {
      co_await sleep_until(std::min(next, now + kSlice));
      continue;
    }
    next = std::chrono::steady_clock::now() + interval;
    co_await pass();
  }
}

}  // namespace skyarray
