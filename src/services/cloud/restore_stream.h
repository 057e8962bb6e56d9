// RestoreStream: what a restore records, key by key, in bounded memory.
//
// Two sorted streams are merged: the newest metadata checkpoint (version
// ids, older versions, delete markers; CheckpointReader) and the listing of
// the cloud location page by page (the current objects, also those written
// after the checkpoint or by other S3 tools). Both are in bytewise key
// order: the checkpoint is written from ListObjectVersions, and S3 lists
// keys in UTF-8 binary order; the target prefix is common to every listed
// key, so removing it keeps the order. The array's private area
// (`<prefix>.skyarray/`) is left out.
//
// Memory: one listing page, one key's checkpointed versions read ahead, one
// checkpoint piece, and the batch the caller asks for; none of it grows with
// the bucket.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/async.h"
#include "common/status.h"
#include "services/cloud/cloud_checkpoint.h"
#include "services/cloud/cloud_config.h"
#include "services/cloud/cloud_target.h"

namespace skyarray::services {

// One key to record.
struct RestoreItem {
  std::string key;                       // local key (the target prefix removed)
  std::vector<ImportedObject> versions;  // from the checkpoint, oldest first; may be empty
  std::optional<CloudListEntry> entry;   // the cloud's current object, when listed
};

// Not thread-safe: one coroutine at a time, on the target's event loop.
class RestoreStream {
 public:
  // `checkpoint` may be null (none in the cloud). `target` outlives the
  // stream.
  RestoreStream(CloudTarget& target, const CloudTargetConfig& cfg,
                std::unique_ptr<CheckpointReader> checkpoint);

  // Replaces `out` with the next keys, in order: at most `max_keys` of them,
  // and no more once they hold `max_versions` checkpointed versions (but
  // always at least one key). Empty after the last key. kCorruption when
  // the listing is out of order or the checkpoint turns out not to be
  // whole; otherwise the cloud's errors.
  Task<Status> next_batch(std::vector<RestoreItem>& out, size_t max_keys, size_t max_versions);

  // Listing pages fetched so far.
  uint64_t pages() const { return pages_; }

 private:
  Task<Status> fill_listing();
  Task<Status> fill_checkpoint();

  CloudTarget& target_;
  std::string prefix_;
  std::string private_prefix_;
  std::unique_ptr<CheckpointReader> checkpoint_;
  // The listing: the page being merged, its position, the next token.
  std::vector<CloudListEntry> page_;
  size_t pos_ = 0;
  std::string token_;
  bool listed_all_ = false;
  std::string last_listed_;
  bool listed_any_ = false;
  uint64_t pages_ = 0;
  // The checkpoint's next key, read ahead.
  bool cp_ready_ = false;
  bool cp_done_ = false;
  std::string cp_key_;
  std::vector<ImportedObject> cp_versions_;
};

}  // namespace skyarray::services
