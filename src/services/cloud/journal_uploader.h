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
#include "services/cloud/cloud_parts.h"
#include "services/cloud/cloud_registry.h"
#include "services/cloud/cloud_target_pool.h"
#include "services/cloud/upload_queue.h"

namespace skyarray {
class Runtime;
}

namespace skyarray::services {

class JournalUploader : public std::enable_shared_from_this<JournalUploader> {
 public:
  explicit JournalUploader(const CloudParts& parts);

  // Flushes every `interval_seconds` until the runtime stops; spawn it on
  // I/O thread 0.
  Task<void> run(double interval_seconds);

 private:
  Task<void> flush_all();
  Task<Status> flush(const CloudTargetConfig& cfg);

  const CloudParts parts_;
};

}  // namespace skyarray::services
