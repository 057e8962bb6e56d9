#include "meta/commit_ticket.h"

#include <functional>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "common/mutex.h"

namespace skyarray {

namespace asio = boost::asio;

struct CommitTicket::State {
  Mutex mu;
  CondVar cv{&mu};
  bool done GUARDED_BY(mu) = false;
  Status status GUARDED_BY(mu);
  std::function<void()> resume GUARDED_BY(mu);  // a suspended wait()
};

CommitTicket::CommitTicket() : state_(std::make_shared<State>()) {}

void CommitTicket::complete(Status status) {
  std::function<void()> resume;
  {
    MutexLock lock(&state_->mu);
    state_->status = std::move(status);
    state_->done = true;
    resume.swap(state_->resume);
  }
  state_->cv.signal_all();
  if (resume) resume();
}

bool CommitTicket::completed() const {
  MutexLock lock(&state_->mu);
  return state_->done;
}

Task<Status> CommitTicket::wait() const {
  if (!completed()) {
    // The state goes in as an argument moved from a named variable, and
    // the initiation captures nothing: GCC 12 destroys some temporaries of
    // a co_await expression twice (docs/ARCHITECTURE.md), which would drop
    // a reference to the state that is still in use.
    std::shared_ptr<State> arg = state_;
    co_await asio::async_initiate<decltype(asio::use_awaitable), void()>(
        [](auto handler, std::shared_ptr<State> st) {
          // The handler is move-only and the resumption a std::function:
          // share it. The work guard keeps the coroutine's loop alive
          // while it waits; complete() posts the handler back to that loop.
          auto home = asio::get_associated_executor(handler);
          using Handler = decltype(handler);
          auto held = std::make_shared<Handler>(std::move(handler));
          auto guard = std::make_shared<asio::executor_work_guard<decltype(home)>>(home);
          std::function<void()> resume = [held, guard] {
            asio::post(guard->get_executor(), std::move(*held));
            guard->reset();
          };
          MutexLock lock(&st->mu);
          if (!st->done) {
            st->resume = std::move(resume);
            return;
          }
          lock.unlock();
          resume();
        },
        asio::use_awaitable, std::move(arg));
  }
  MutexLock lock(&state_->mu);
  co_return state_->status;
}

Status CommitTicket::wait_blocking() const {
  MutexLock lock(&state_->mu);
  state_->cv.wait([&] {
    state_->mu.assert_held();
    return state_->done;
  });
  return state_->status;
}

}  // namespace skyarray
