// CheckpointWriter: every `checkpoint_interval` uploads a metadata
// checkpoint (format: cloud_checkpoint.h) of each bucket linked in sync or
// cache mode, so that a restore brings back version ids, older versions,
// delete markers and the versioning state. A bucket whose restore is still
// in its metadata phase is skipped (its checkpoint is what the restore
// reads). The two newest checkpoints of a target are kept.
//
// Threading: runs on I/O thread 0 (the pool's background slots); no state
// of its own beyond its dependencies.
#pragma once

#include <cstdint>
#include <memory>

#include "common/async.h"
#include "common/status.h"
#include "services/cloud/cloud_counters.h"
#include "services/cloud/cloud_parts.h"
#include "services/cloud/cloud_registry.h"
#include "services/cloud/cloud_target_pool.h"
#include "services/cloud/upload_queue.h"
#include "services/objects/object_service.h"

namespace skyarray {
class Runtime;
}

namespace skyarray::services {

class CheckpointWriter : public std::enable_shared_from_this<CheckpointWriter> {
 public:
  // Checkpoints go up in parts of `part_size` bytes (one PUT when one
  // part is enough).
  CheckpointWriter(const CloudParts& parts, uint64_t part_size);

  // Writes every `interval_seconds` until the runtime stops; spawn it on
  // I/O thread 0.
  Task<void> run(double interval_seconds);

  // One checkpoint of `link`'s bucket, then the older ones beyond two
  // removed. A failed upload is aborted (nothing partial stays).
  Task<Status> write(const CloudLink& link);

 private:
  Task<void> pass();
  Task<Status> prune(CloudTarget& target, const CloudTargetConfig& cfg);

  const CloudParts parts_;
  const uint64_t part_size_;
};

}  // namespace skyarray::services
