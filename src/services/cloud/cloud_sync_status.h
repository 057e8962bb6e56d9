// CloudSyncStatus: what `admin cloud status` shows of the tier (backlog,
// counters since start, per-link backlog); a snapshot, built by
// CloudSync::status() from CloudCounters and the UploadQueue.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "services/cloud/upload_queue.h"

namespace skyarray::services {

struct CloudSyncStatus {
  BacklogStats backlog;
  uint64_t uploaded_objects = 0;
  uint64_t uploaded_bytes = 0;
  uint64_t deleted_objects = 0;
  uint64_t errors = 0;
  uint64_t evicted_objects = 0;  // cache mode, since start
  uint64_t evicted_bytes = 0;
  uint64_t read_through_bytes = 0;  // served from the cloud
  uint64_t recached_objects = 0;    // evicted objects stored again on read
  uint64_t recached_bytes = 0;
  uint64_t alert_backlog_objects = 0;  // the threshold
  double upload_rate = 0;              // bytes/s over the last ~10 s
  std::string last_error;
  bool alert = false;  // backlog above the threshold
  // Per linked bucket (the backlog of each link).
  struct PerLink {
    std::string bucket;
    std::string target;
    BacklogStats backlog;
  };
  std::vector<PerLink> links;
};

}  // namespace skyarray::services
