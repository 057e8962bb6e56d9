// sync_wait: runs a Task on an event loop and waits for its result on the
// calling thread. For threads outside the Runtime's loops that must block
// anyway (a third-party library's blocking network loop, such as DCMTK's
// DICOM associations) and need a coroutine API's answer.
//
// Never call it on an event loop thread: the loop would wait for itself.
// T is a Status or a Result: when the loop has stopped for good (shutdown)
// before running the task, the answer is kUnavailable.
// sync_run() is for the time before the Runtime's loops run (start-up):
// the task runs on a private loop on the calling thread.
#pragma once

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <future>
#include <memory>
#include <optional>

#include "common/async.h"
#include "common/status.h"

namespace skyarray {

template <typename T>
T sync_wait(boost::asio::io_context& io, Task<T> task) {
  // Shared with the coroutine: a loop stopped for good never runs it, and
  // the waiter must not leave it a dangling promise.
  auto done = std::make_shared<std::promise<T>>();
  std::future<T> result = done->get_future();
  boost::asio::co_spawn(
      io,
      [done, t = std::move(task)]() mutable -> Task<void> {
        done->set_value(co_await std::move(t));
      },
      boost::asio::detached);
  while (result.wait_for(std::chrono::milliseconds(100)) != std::future_status::ready) {
    if (io.stopped()) return T(Status::unavailable("shutting down"));
  }
  return result.get();
}

template <typename T>
T sync_run(Task<T> task) {
  boost::asio::io_context io;
  std::optional<T> out;
  boost::asio::co_spawn(
      io,
      [&out, t = std::move(task)]() mutable -> Task<void> { out.emplace(co_await std::move(t)); },
      boost::asio::detached);
  io.run();
  return std::move(*out);
}

}  // namespace skyarray
