// GroupCommitter: group commit for a log that one committer thread writes.
//
// Commits submit their record (already framed for the log) with the
// sequence numbers it covers and a completion. The committer thread takes
// everything queued, hands it to the sink as ONE group (the sink writes it
// and syncs every copy of the log once), then completes records in
// sequence order: a record completes only once it and every record before
// it are durable. Commits reach the log out of sequence order (their
// sequence numbers are given out earlier, by RocksDB), and replay stops at
// the first missing record, so acknowledging a later record while an
// earlier one is still on its way could lose it.
//
// While the sink writes one group, the next one gathers: the group size
// follows the load with no timer and no tuning, and a lone commit costs one
// sync.
//
// Completions run on the committer thread, in sequence order, outside the
// lock; they must be quick and never block (post a coroutine's resumption,
// notify a waiting thread).
//
// Errors: a sink error fails the records of its group, every record
// waiting for an earlier one, and every later record until reset(): a
// later record acknowledged after an earlier one failed would be lost at
// replay with it.
//
// Thread safety: submit(), submit_and_wait(), drain() and durable() may be
// called from any thread; reset() only with nothing in flight (after
// drain(), with no concurrent submit()).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "common/mutex.h"
#include "common/status.h"

namespace skyarray {

class GroupCommitter {
 public:
  // Writes and syncs one group: `bytes` is the records' concatenation.
  using Sink = std::function<Status(const std::string& bytes, size_t records)>;
  using Done = std::function<void(Status)>;

  // Starts the committer thread. Every sequence number up to 0 is durable.
  explicit GroupCommitter(Sink sink);
  // Completes what was submitted, then stops the thread.
  ~GroupCommitter();
  GroupCommitter(const GroupCommitter&) = delete;
  GroupCommitter& operator=(const GroupCommitter&) = delete;

  // A new log: every sequence number up to `durable_through` is durable,
  // and an earlier failure is forgotten.
  void reset(uint64_t durable_through);

  // Queues a record covering sequence numbers seq .. seq + count - 1;
  // `done` runs once it and every record before it are durable (or with
  // the error that prevented it). count 0 completes in the order reached.
  void submit(uint64_t seq, uint32_t count, std::string record, Done done);
  // submit() and waits for the completion on this thread.
  Status submit_and_wait(uint64_t seq, uint32_t count, std::string record);

  // Waits until every record submitted so far has completed. A record
  // waiting for an earlier one completes only once that one is submitted:
  // call it when every sequence number given out has been submitted
  // (MetaStore: with its commit gate closed).
  void drain();
  // Every sequence number up to this one is durable.
  uint64_t durable() const;

 private:
  struct Item {
    uint64_t seq = 0;
    uint32_t count = 0;
    std::string record;
    Done done;
  };
  using Ready = std::vector<std::pair<Done, Status>>;
  void run();
  void complete_group(std::vector<Item>& group, const Status& written, Ready* ready) REQUIRES(mu_);

  Sink sink_;
  mutable Mutex mu_;
  CondVar work_cv_{&mu_};  // queue_ or stop_
  CondVar idle_cv_{&mu_};  // completed_ moved
  std::vector<Item> queue_ GUARDED_BY(mu_);
  // Written records past a gap, by sequence, until the gap fills.
  std::map<uint64_t, Item> waiting_ GUARDED_BY(mu_);
  uint64_t durable_ GUARDED_BY(mu_) = 0;
  Status failed_ GUARDED_BY(mu_);
  uint64_t submitted_ GUARDED_BY(mu_) = 0;
  uint64_t completed_ GUARDED_BY(mu_) = 0;
  bool stop_ GUARDED_BY(mu_) = false;
  std::thread thread_;  // last: started once the rest is built
};

}  // namespace skyarray
