// CloudCounters: the tier's counters since start (uploads, deletes, errors,
// evictions, read-through, re-caching) and the recent upload rate. Every
// component adds to it; CloudSync::status() takes a snapshot.
//
// Thread safety: all methods may be called from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <string>
#include <utility>

#include "common/mutex.h"
#include "common/status.h"
#include "services/cloud/cloud_sync_status.h"

namespace skyarray::services {

class CloudCounters {
 public:
  // `bytes` went up; `objects` finished (0 for a part of a multipart upload).
  void note_upload(uint64_t bytes, uint64_t objects);
  void note_deleted();
  // A failure of background work: counted, and kept as the last error.
  void note_error(const Status& s);
  void note_error(std::string message);
  void note_evicted(uint64_t objects, uint64_t bytes);
  void note_read_through(uint64_t bytes);
  void note_recached(uint64_t bytes);

  // The counters, with upload_rate over the last 10 s; the caller fills in
  // the backlog and the alert.
  CloudSyncStatus snapshot() const;

 private:
  using SteadyTime = std::chrono::steady_clock::time_point;

  mutable Mutex mu_;
  CloudSyncStatus counters_ GUARDED_BY(mu_);
  std::deque<std::pair<SteadyTime, uint64_t>> recent_uploads_ GUARDED_BY(mu_);
};

}  // namespace skyarray::services
