#include "services/cloud/read_through.h"

#include "services/cloud/cloud_reader.h"

namespace skyarray::services {

namespace {
// Bounded memory for the on-second-read counts.
constexpr size_t kMaxCountedReads = 100000;
}  // namespace

ReadThrough::ReadThrough(CloudRegistry& registry, ObjectService& objects,
                         std::shared_ptr<CloudTargetPool> pool,
                         std::shared_ptr<CloudCounters> counters, CloudSyncOptions::Recache recache)
    : registry_(registry),
      objects_(objects),
      pool_(std::move(pool)),
      counters_(std::move(counters)),
      recache_(recache) {}

Result<std::unique_ptr<ObjectReader>> ReadThrough::open(const ObjectInfo& info, uint64_t first,
                                                        uint64_t length) {
  auto link = registry_.link_of(info.bucket);
  if (!link) {
    return Status::unavailable("bucket '" + info.bucket +
                               "' holds evicted objects but has no cloud link");
  }
  auto cfg = registry_.target(link->target);
  if (!cfg) return Status::unavailable("cloud target '" + link->target + "' is gone");
  // The cloud copy is 1:1 with the latest version: an older version's bytes
  // are not there any more.
  if (!info.is_latest) {
    return Status::unavailable("the bytes of version " + info.version_id + " of '" + info.key +
                               "' were evicted and the cloud holds only the latest version");
  }
  bool whole = first == 0 && length == info.size && info.size > 0;
  // A cache link re-caches only what fits under its watermark; eviction
  // then makes room by dropping colder objects.
  bool fits = link->mode != LinkMode::kCache || info.size <= link->cache_bytes / 10 * 8;
  bool recache = whole && fits && recache_on_read(info.bucket, info.key);
  return std::unique_ptr<ObjectReader>(
      new CloudReader(pool_, counters_, objects_, *cfg, info, first, length, recache));
}

bool ReadThrough::recache_on_read(const std::string& bucket, const std::string& key) {
  switch (recache_) {
    case CloudSyncOptions::Recache::kNever:
      return false;
    case CloudSyncOptions::Recache::kOnRead:
      return true;
    case CloudSyncOptions::Recache::kOnSecondRead: {
      MutexLock lock(&mu_);
      if (evicted_reads_.size() > kMaxCountedReads) evicted_reads_.clear();
      int& n = evicted_reads_[UploadQueue::id(bucket, key)];
      if (++n < 2) return false;
      evicted_reads_.erase(UploadQueue::id(bucket, key));
      return true;
    }
  }
  return false;
}

}  // namespace skyarray::services
