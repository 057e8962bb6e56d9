// RestoreProgress: what `admin cloud restore --watch` shows of the running
// (or last) restore; a snapshot taken by RestoreJob::progress().
#pragma once

#include <cstdint>
#include <string>

namespace skyarray::services {

// A restore runs in two phases: "metadata" (bucket and object records
// created from the cloud, bytes left there; reads are served through the
// cloud from the end of this phase: `serving`) and "prefetch" (the bytes
// downloaded in the background). Totals and counts are of the prefetch.
struct RestoreProgress {
  bool running = false;
  bool done = false;
  bool serving = false;
  std::string phase;  // "metadata", "prefetch", "done"
  std::string bucket;
  std::string target;
  std::string error;
  uint64_t objects_total = 0;
  uint64_t objects_done = 0;
  uint64_t bytes_total = 0;
  uint64_t bytes_done = 0;
  uint64_t objects_failed = 0;  // left in the cloud (read-through still serves them)
  // From the newest metadata checkpoint ("" when none): older versions and
  // delete markers restored as records (the cloud holds no older bytes).
  std::string checkpoint;
  uint64_t versions_restored = 0;
  int64_t started_ns = 0;
  int64_t finished_ns = 0;
  double rate_bytes_per_second = 0;  // prefetch, since it (re)started
  double eta_seconds = 0;
};

}  // namespace skyarray::services
