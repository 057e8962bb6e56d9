// Wall-clock time as stored and shown: a system_clock time point, persisted
// as signed nanoseconds since the Unix epoch (covers 1678..2262).
#pragma once

#include <chrono>
#include <cstdint>

namespace skyarray {

using Timestamp = std::chrono::system_clock::time_point;

inline int64_t to_ns(Timestamp t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

inline Timestamp from_ns(int64_t ns) {
  return Timestamp(std::chrono::duration_cast<Timestamp::duration>(std::chrono::nanoseconds(ns)));
}

}  // namespace skyarray
