// DicomAssociationPool: the threads DICOM associations run on. DCMTK's
// network layer blocks, so each association owns one of these threads for
// its whole life, never an event loop thread. The pool is bounded: the
// listener asks try_reserve() before acknowledging an association and
// rejects it (transient, local limit exceeded) when every slot is taken.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "common/mutex.h"

namespace skyarray::dicom {

class DicomAssociationPool {
 public:
  // Starts `size` threads.
  explicit DicomAssociationPool(size_t size);
  // Stops taking work, waits for the running jobs (which must end on their
  // own: the associations watch the server's stopping flag) and joins.
  ~DicomAssociationPool();
  DicomAssociationPool(const DicomAssociationPool&) = delete;
  DicomAssociationPool& operator=(const DicomAssociationPool&) = delete;

  // Claims a slot for one association; false when all are taken.
  bool try_reserve() EXCLUDES(mu_);
  // Runs `job` on a free thread, in a slot try_reserve() claimed; the slot
  // is freed when the job returns.
  void run(std::function<void()> job) EXCLUDES(mu_);
  size_t active() const EXCLUDES(mu_);

 private:
  void worker() EXCLUDES(mu_);

  const size_t size_;
  mutable Mutex mu_;
  CondVar work_;
  std::deque<std::function<void()>> queue_ GUARDED_BY(mu_);
  size_t reserved_ GUARDED_BY(mu_) = 0;
  bool stopping_ GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace skyarray::dicom
