#include "store/rate_limiter.h"

#include <algorithm>
#include <thread>

namespace skyarray {

void RateLimiter::set_rate(uint64_t bytes_per_second) {
  MutexLock lock(&mu_);
  rate_ = bytes_per_second;
}

uint64_t RateLimiter::rate() const {
  MutexLock lock(&mu_);
  return rate_;
}

void RateLimiter::acquire(uint64_t bytes) {
  std::chrono::duration<double> wait{0};
  {
    MutexLock lock(&mu_);
    if (rate_ == 0) return;
    auto now = Clock::now();
    double rate = static_cast<double>(rate_);
    tokens_ = std::min(rate, tokens_ + std::chrono::duration<double>(now - last_).count() * rate);
    last_ = now;
    // Spend now, pay back by waiting: concurrent callers queue up behind the
    // debt in order.
    tokens_ -= static_cast<double>(bytes);
    if (tokens_ < 0) wait = std::chrono::duration<double>(-tokens_ / rate);
  }
  if (wait.count() > 0) std::this_thread::sleep_for(wait);
}

}  // namespace skyarray
