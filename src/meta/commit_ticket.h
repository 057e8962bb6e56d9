// CommitTicket: the durability of one metadata commit that MetaStore::apply()
// has applied, awaited without holding a thread.
//
// The committer completes the ticket once the commit (and every commit
// before it) is durable, or with the error that prevented it. A coroutine
// awaits it with wait(): it is suspended meanwhile and resumes on its own
// loop, so commits waiting for a sync hold no thread of the blocking pool.
// A plain thread uses wait_blocking().
//
// Copies share one state. Thread safety: complete() may race with either
// wait; each is safe from any thread. complete() runs once per ticket.
#pragma once

#include <memory>

#include "common/async.h"
#include "common/status.h"

namespace skyarray {

class CommitTicket {
 public:
  CommitTicket();

  // Called by the committer (any thread), once.
  void complete(Status status);
  bool completed() const;

  // Waits for complete() and returns its status. The coroutine is
  // suspended meanwhile and resumes on its own executor.
  Task<Status> wait() const;
  Status wait_blocking() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace skyarray
