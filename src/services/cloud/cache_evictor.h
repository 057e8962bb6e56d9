// CacheEvictor: keeps the local bytes of each bucket linked in cache mode
// under its watermark (`cache_bytes`) by evicting the least recently read
// objects, down to 80% of it, every `evict_interval`. Recency is the last
// client read (note_read()) or else the last change.
//
// An object is evicted only when the upload of that very version (by ETag)
// was verified by the cloud and recorded (UploadQueue "synced"), no newer
// work is queued for its key, and its latest version still has that ETag
// (checked under the key's lock by ObjectService::evict_object). Pinned
// prefixes stay. Eviction keeps the record; reads then go to the cloud
// (ReadThrough).
//
// Thread safety: note_read() from any thread; the passes run on I/O
// thread 0.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include "common/async.h"
#include "common/mutex.h"
#include "common/status.h"
#include "services/cloud/cloud_counters.h"
#include "services/cloud/cloud_parts.h"
#include "services/cloud/cloud_registry.h"
#include "services/cloud/upload_queue.h"
#include "services/objects/object_service.h"

namespace skyarray {
class Runtime;
}

namespace skyarray::services {

class CacheEvictor : public std::enable_shared_from_this<CacheEvictor> {
 public:
  explicit CacheEvictor(const CloudParts& parts);

  // Runs a pass every `interval_seconds` until the runtime stops; spawn it
  // on I/O thread 0.
  Task<void> run(double interval_seconds);

  // A client read bucket/key now. Cheap (one map update under the lock).
  void note_read(const std::string& bucket, const std::string& key);

 private:
  struct Candidate {
    std::string key;
    std::string etag;
    uint64_t size;
    int64_t used_ns;
  };

  Task<void> pass();
  Task<Status> evict_link(const CloudLink& link);
  // The link's resident bytes, and its unpinned resident objects.
  Task<Status> survey(const CloudLink& link, uint64_t* resident,
                      std::vector<Candidate>* candidates);
  // Whether bucket/key's cloud copy is this version's and nothing newer is
  // queued for it.
  Task<Result<bool>> cloud_is_current(const std::string& bucket, const Candidate& c);

  const CloudParts parts_;
  Mutex mu_;
  std::unordered_map<std::string, int64_t> last_access_ GUARDED_BY(mu_);  // id → ns
};

}  // namespace skyarray::services
