// RateLimiter: a token bucket in bytes per second shared by the threads of
// one background job (rebuild, scrub), so that healing never starves
// foreground I/O. Internal to store/.
//
// Thread safety: all methods are thread-safe. acquire() blocks the calling
// (background) thread; never call it on a network thread.
#pragma once

#include <chrono>
#include <cstdint>

#include "common/mutex.h"

namespace skyarray {

class RateLimiter {
 public:
  // 0 bytes per second: unlimited.
  explicit RateLimiter(uint64_t bytes_per_second = 0) : rate_(bytes_per_second) {}

  void set_rate(uint64_t bytes_per_second);
  uint64_t rate() const;
  // Waits until `bytes` may be spent. A burst of at most one second's worth
  // is allowed after idling, so a paced job does not sprint after a pause.
  void acquire(uint64_t bytes);

 private:
  using Clock = std::chrono::steady_clock;
  mutable Mutex mu_;
  uint64_t rate_ GUARDED_BY(mu_);
  double tokens_ GUARDED_BY(mu_) = 0;
  Clock::time_point last_ GUARDED_BY(mu_) = Clock::now();
};

}  // namespace skyarray
