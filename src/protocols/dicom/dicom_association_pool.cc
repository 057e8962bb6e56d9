// DicomAssociationPool: bounded threads for blocking associations
// (dicom_association_pool.h).
#include "protocols/dicom/dicom_association_pool.h"

namespace skyarray::dicom {

DicomAssociationPool::DicomAssociationPool(size_t size) : size_(size), work_(&mu_) {
  threads_.reserve(size);
  for (size_t i = 0; i < size; ++i) threads_.emplace_back([this] { worker(); });
}

DicomAssociationPool::~DicomAssociationPool() {
  {
    MutexLock lock(&mu_);
    stopping_ = true;
  }
  work_.signal_all();
  for (auto& t : threads_) t.join();
}

bool DicomAssociationPool::try_reserve() {
  MutexLock lock(&mu_);
  if (stopping_ || reserved_ >= size_) return false;
  ++reserved_;
  return true;
}

void DicomAssociationPool::run(std::function<void()> job) {
  {
    MutexLock lock(&mu_);
    queue_.push_back(std::move(job));
  }
  work_.signal();
}

size_t DicomAssociationPool::active() const {
  MutexLock lock(&mu_);
  return reserved_;
}

void DicomAssociationPool::worker() {
  for (;;) {
    std::function<void()> job;
    {
      MutexLock lock(&mu_);
      work_.wait([&] {
        mu_.assert_held();
        return stopping_ || !queue_.empty();
      });
      // Queued associations still run at shutdown: they see the stopping
      // flag and abort at once, which frees them properly.
      if (queue_.empty()) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    job();
    MutexLock lock(&mu_);
    --reserved_;
  }
}

}  // namespace skyarray::dicom
