// JournalUploader: the writing side of the change journal (format:
// cloud_journal.h). Every `journal_interval` the journal lines the
// UploadDispatcher staged for each target are sent as segments of up to
// 1000 lines, then erased from the queue.
//
// Threading: runs on I/O thread 0 (the pool's background slots); no state
// of its own beyond its dependencies.
#pragma once

#include <memory>

#include "common/async.h"
#include "common/status.h"
#include "services/cloud/cloud_counters.h"
#include "services/cloud/cloud_registry.h"
#include "services/cloud/cloud_target_pool.h"
#include "services/cloud/upload_queue.h"

namespace skyarray {
class Runtime;
}

namespace skyarray::services {

class JournalUploader : public std::enable_shared_from_this<JournalUploader> {
 public:
  JournalUploader(Runtime& rt, CloudRegistry& registry, std::shared_ptr<UploadQueue> queue,
                  std::shared_ptr<CloudTargetPool> pool, std::shared_ptr<CloudCounters> counters);

  // Flushes every `interval_seconds` until the runtime stops; spawn it on
  // I/O thread 0.
  Task<void> run(double interval_seconds);

 private:
  Task<void> flush_all();
  Task<Status> flush(const CloudTargetConfig& cfg);

  Runtime& rt_;
  CloudRegistry& registry_;
  std::shared_ptr<UploadQueue> queue_;
  std::shared_ptr<CloudTargetPool> pool_;
  std::shared_ptr<CloudCounters> counters_;
};

}  // namespace skyarray::services
