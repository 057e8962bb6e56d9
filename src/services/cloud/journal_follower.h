// JournalFollower: keeps each bucket linked in subscribe mode equal to its
// cloud location by following the change journal another array writes
// there (format: cloud_journal.h). A link's first poll notes where the
// journal ends, imports the cloud location's objects, then later polls
// apply the segments after the cursor it keeps in the UploadQueue. A put
// line fetches the key's current cloud copy (a later change wins; replaying
// a line is harmless); a delete line deletes locally. Writes go through the
// object service as the system caller (the only writer of a mirror).
//
// Threading: runs on I/O thread 0; its state (the links being polled) is
// confined to it. One poll per link at a time; links poll concurrently.
#pragma once

#include <memory>
#include <string>
#include <unordered_set>

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

class JournalFollower : public std::enable_shared_from_this<JournalFollower> {
 public:
  explicit JournalFollower(const CloudParts& parts);

  // Starts a poll of every subscribe link not being polled, every
  // `interval_seconds` until the runtime stops; spawn it on I/O thread 0.
  Task<void> run(double interval_seconds);

 private:
  void start_polls();
  Task<void> poll(CloudLink link);
  Task<Status> poll_once(const CloudLink& link);
  // First poll: the cloud location imported, the cursor set to the
  // journal's last segment as it was before the import.
  Task<Status> import_location(CloudTarget& target, const CloudTargetConfig& cfg,
                               const CloudLink& link);
  Task<Status> follow(CloudTarget& target, const CloudTargetConfig& cfg, const CloudLink& link,
                      const std::string& cursor);
  Task<Status> apply_segment(CloudTarget& target, const CloudTargetConfig& cfg,
                             const std::string& bucket, const std::string& body);
  // One page of the cloud location's objects, the array's private prefix
  // left out; `token` "" starts.
  Task<Result<CloudListPage>> list_page(CloudTarget& target, const CloudTargetConfig& cfg,
                                        const std::string& token);
  // A whole local copy of cloud object `entry` as bucket/local_key.
  Task<Status> copy_object(CloudTarget& target, const std::string& bucket,
                           const std::string& local_key, const CloudListEntry& entry);

  const CloudParts parts_;
  std::unordered_set<std::string> polling_;  // buckets; I/O thread 0
};

}  // namespace skyarray::services
