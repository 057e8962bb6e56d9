// ReadThrough: reads of evicted objects, served from the cloud. The cloud
// copy is 1:1 with the latest version, so only the latest version of an
// evicted object can be read; the reader (CloudReader) fetches the range
// with ranged GETs on the request's own event loop. A whole-object read may
// also store the object locally again, by the `recache` policy (never, on
// every read, on a second read), when it fits under a cache link's
// watermark.
//
// Thread safety: open() from any thread (it does not block).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include "common/mutex.h"
#include "common/status.h"
#include "services/cloud/cloud_counters.h"
#include "services/cloud/cloud_registry.h"
#include "services/cloud/cloud_sync_options.h"
#include "services/cloud/cloud_target_pool.h"
#include "services/objects/object_service.h"

namespace skyarray::services {

class ReadThrough {
 public:
  ReadThrough(CloudRegistry& registry, ObjectService& objects,
              std::shared_ptr<CloudTargetPool> pool, std::shared_ptr<CloudCounters> counters,
              CloudSyncOptions::Recache recache);

  // A reader of [first, first + length) of evicted version `info`;
  // kUnavailable when its bucket has no link or target any more, or when it
  // is not the latest version.
  Result<std::unique_ptr<ObjectReader>> open(const ObjectInfo& info, uint64_t first,
                                             uint64_t length);

 private:
  // Whether a whole read of an evicted object should store it again (the
  // recache policy); counts the read.
  bool recache_on_read(const std::string& bucket, const std::string& key);

  CloudRegistry& registry_;
  ObjectService& objects_;
  std::shared_ptr<CloudTargetPool> pool_;
  std::shared_ptr<CloudCounters> counters_;
  const CloudSyncOptions::Recache recache_;
  Mutex mu_;
  // Whole-object reads of evicted objects, for on-second-read.
  std::unordered_map<std::string, int> evicted_reads_ GUARDED_BY(mu_);
};

}  // namespace skyarray::services
