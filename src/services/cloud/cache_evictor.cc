#include "services/cloud/cache_evictor.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/periodic_task.h"
#include "common/runtime.h"
#include "common/time.h"
#include "services/cloud/system_caller.h"

namespace skyarray::services {

CacheEvictor::CacheEvictor(const CloudParts& parts) : parts_(parts) {}

Task<void> CacheEvictor::run(double interval_seconds) {
  auto self = shared_from_this();
  std::function<Task<void>()> pass = [self] { return self->pass(); };
  co_await run_periodically(parts_.rt, interval_seconds, pass);
}

void CacheEvictor::note_read(const std::string& bucket, const std::string& key) {
  int64_t now = to_ns(std::chrono::system_clock::now());
  MutexLock lock(&mu_);
  last_access_[UploadQueue::id(bucket, key)] = now;
}

Task<void> CacheEvictor::pass() {
  for (const auto& link : parts_.registry.links()) {
    if (link.mode != LinkMode::kCache || link.cache_bytes == 0) continue;
    Status st = co_await evict_link(link);
    if (!st.is_ok()) {
      parts_.counters->note_error(st);
      spdlog::warn("cache eviction in {}: {}", link.bucket, st.to_string());
    }
  }
}

Task<Status> CacheEvictor::survey(const CloudLink& link, uint64_t* resident,
                                  std::vector<Candidate>* candidates) {
  Caller sys = system_caller();
  ListObjectsOptions list;
  while (true) {
    auto page = co_await parts_.objects.reads().list_objects(sys, link.bucket, list);
    SKY_CO_RETURN_IF_ERROR(page.status());
    MutexLock lock(&mu_);
    for (const auto& o : page->objects) {
      if (o.evicted) continue;
      *resident += o.size;
      bool pinned = std::any_of(link.pins.begin(), link.pins.end(),
                                [&](const std::string& p) { return o.key.starts_with(p); });
      if (pinned) continue;
      auto it = last_access_.find(UploadQueue::id(link.bucket, o.key));
      int64_t used = it != last_access_.end() ? it->second : to_ns(o.last_modified);
      candidates->push_back({o.key, o.etag, o.size, used});
    }
    if (!page->is_truncated) co_return Status::ok();
    list.continuation_token = page->next_continuation_token;
  }
}

Task<Result<bool>> CacheEvictor::cloud_is_current(const std::string& bucket, const Candidate& c) {
  auto synced =
      co_await parts_.rt.blocking([&] { return parts_.queue->synced_etag(bucket, c.key); });
  SKY_CO_RETURN_IF_ERROR(synced.status());
  if (!*synced || **synced != c.etag) co_return false;
  auto queued =
      co_await parts_.rt.blocking([&] { return parts_.queue->entries_of(bucket, c.key); });
  SKY_CO_RETURN_IF_ERROR(queued.status());
  co_return !*queued;
}

Task<Status> CacheEvictor::evict_link(const CloudLink& link) {
  uint64_t resident = 0;
  std::vector<Candidate> candidates;
  SKY_CO_RETURN_IF_ERROR(co_await survey(link, &resident, &candidates));
  if (resident <= link.cache_bytes) co_return Status::ok();
  const uint64_t low = link.cache_bytes / 10 * 8;
  std::sort(candidates.begin(), candidates.end(),
            [](const Candidate& a, const Candidate& b) { return a.used_ns < b.used_ns; });
  // Victims are the coldest objects that bring usage down to `low`; those
  // among them not yet verified in the cloud wait for a later pass rather
  // than being replaced by hotter ones.
  uint64_t evicted = 0, evicted_bytes = 0;
  uint64_t planned = resident;
  for (const auto& c : candidates) {
    if (planned <= low) break;
    planned -= c.size;
    SKY_CO_ASSIGN_OR_RETURN(bool current, co_await cloud_is_current(link.bucket, c));
    if (!current) continue;
    Status st = co_await parts_.objects.residency().evict_object(link.bucket, c.key, c.etag);
    if (st.code() == StatusCode::kPreconditionFailed) continue;
    SKY_CO_RETURN_IF_ERROR(st);
    resident -= c.size;
    ++evicted;
    evicted_bytes += c.size;
  }
  if (evicted) {
    parts_.counters->note_evicted(evicted, evicted_bytes);
    spdlog::info("cache {}: evicted {} objects ({} bytes), {} bytes resident", link.bucket, evicted,
                 evicted_bytes, resident);
  }
  co_return Status::ok();
}

}  // namespace skyarray::services
