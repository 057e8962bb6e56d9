// Clock: the one source of "now" for decisions that depend on the date —
// Object Lock retention (may this version be removed yet?) and whatever
// later rules count days (lifecycle). Record timestamps (mtime) keep using
// the system clock; only decisions read this one.
//
// The clock is the system clock plus an offset. The offset is zero in
// production; a test sets it (config `[objects] retention_clock_offset`, or
// set_offset() in unit tests) to move the array decades ahead and check that
// a retain-until date in 2045 or 2099 is honoured up to that moment and no
// longer. Timestamps are nanoseconds since the epoch (common/time.h), so
// dates up to 2262 are representable.
//
// Thread-safe: the offset is atomic; now() may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include "common/time.h"

namespace skyarray {

class Clock {
 public:
  explicit Clock(std::chrono::seconds offset = std::chrono::seconds(0))
      : offset_s_(offset.count()) {}

  // The system clock moved by the offset.
  Timestamp now() const {
    return std::chrono::system_clock::now() +
           std::chrono::seconds(offset_s_.load(std::memory_order_relaxed));
  }
  int64_t now_ns() const { return to_ns(now()); }

  std::chrono::seconds offset() const {
    return std::chrono::seconds(offset_s_.load(std::memory_order_relaxed));
  }
  void set_offset(std::chrono::seconds offset) {
    offset_s_.store(offset.count(), std::memory_order_relaxed);
  }

 private:
  std::atomic<int64_t> offset_s_;
};

}  // namespace skyarray
