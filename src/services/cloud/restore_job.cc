#include "services/cloud/restore_job.h"
#include "services/cloud/cloud_lock_metadata.h"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/this_coro.hpp>

#include "common/periodic_task.h"
#include "common/runtime.h"
#include "common/time.h"
#include "services/cloud/cloud_copy.h"
#include "services/cloud/restore_stream.h"
#include "services/cloud/system_caller.h"

namespace skyarray::services {

namespace asio = boost::asio;

namespace {

constexpr uint64_t kRestorePiece = 8ull << 20;
constexpr uint32_t kPrefetchPage = 256;
constexpr int kPrefetchAttempts = 3;
// The metadata phase records keys a window at a time: at most this many
// keys, and no more once they carry this many checkpointed versions.
constexpr size_t kRestoreWindowKeys = 2048;
constexpr size_t kRestoreWindowVersions = 16384;

int64_t wall_ns() {
  return to_ns(std::chrono::system_clock::now());
}

// Runs fn(i) for i in [0, n) with at most `width` running at once, all on
// the calling coroutine's event loop; returns when every call has ended.
template <typename Fn>
Task<void> bounded_for(size_t n, uint32_t width, Fn fn) {
  auto exec = co_await asio::this_coro::executor;
  auto next = std::make_shared<size_t>(0);
  auto running = std::make_shared<size_t>(0);
  for (uint32_t w = 0; w < std::max<uint32_t>(width, 1) && w < n; ++w) {
    ++*running;
    asio::co_spawn(
        exec,
        [next, running, n, fn]() -> Task<void> {
          while (*next < n) co_await fn((*next)++);
          --*running;
        },
        asio::detached);
  }
  while (*running > 0) co_await sleep_for(std::chrono::milliseconds(5));
}

// The cloud's current object as the newest version of a restored key.
ImportedObject imported_of(const CloudObjectHead& head, TagSet tags) {
  ImportedObject obj;
  obj.size = head.size;
  obj.etag = head.etag;
  obj.mtime_ns = head.mtime_ns;
  obj.content = content_of(head.attrs);
  obj.user_metadata = head.attrs.user_metadata;
  obj.lock = take_lock_metadata(&obj.user_metadata);
  obj.tags = std::move(tags);
  return obj;
}

// Is the checkpoint's newest entry what the cloud holds now? A plain cloud
// ETag is the MD5 and must match; a multipart one (the tier uploads large
// objects in parts) is trusted when the size matches and the cloud copy
// predates the checkpoint. The refill checks the MD5 in either case.
bool checkpoint_is_current(const std::vector<ImportedObject>& versions, const CloudListEntry* entry,
                           const CloudCheckpoint* checkpoint) {
  if (versions.empty()) return false;
  const ImportedObject& latest = versions.back();
  if (!entry) return latest.delete_marker;
  auto same = [&](const ImportedObject& v) {
    if (entry->size != v.size) return false;
    return entry->etag.find('-') == std::string::npos ? entry->etag == v.etag
                                                      : entry->mtime_ns <= checkpoint->created_ns;
  };
  if (latest.delete_marker) {
    // The tier keeps the cloud copy of a version under Object Lock that a
    // delete marker hid: it is that version's, not a newer object.
    for (auto it = versions.rbegin(); it != versions.rend(); ++it) {
      if (!it->delete_marker) return !it->lock.empty() && same(*it);
    }
    return false;
  }
  return same(latest);
}

}  // namespace

RestoreJob::RestoreJob(const CloudParts& parts, Options options)
    : parts_(parts), options_(options) {}

Status RestoreJob::start(std::string target, std::string bucket, LinkMode mode, std::string owner) {
  if (!parts_.registry.target(target)) return Status::not_found("no cloud target '" + target + "'");
  if (mode == LinkMode::kSubscribe) {
    return Status::invalid_argument(
        "a subscribe link imports the bucket itself: use 'cloud link --mode subscribe'");
  }
  if (parts_.registry.link_of(bucket))
    return Status(StatusCode::kConflict, "bucket '" + bucket + "' is already linked");
  {
    MutexLock lock(&mu_);
    if (progress_.running) return Status(StatusCode::kConflict, "a restore is running");
    progress_ = RestoreProgress{};
    progress_.running = true;
    progress_.phase = "metadata";
    progress_.bucket = bucket;
    progress_.target = target;
    progress_.started_ns = wall_ns();
  }
  asio::co_spawn(
      parts_.rt.io(0),
      [self = shared_from_this(), target, bucket, mode, owner]() {
        return self->run(target, bucket, mode, owner);
      },
      asio::detached);
  return Status::ok();
}

RestoreProgress RestoreJob::progress() const {
  MutexLock lock(&mu_);
  RestoreProgress p = progress_;
  // While prefetching: the rate so far; once done: the average of the run.
  bool finished = p.phase == "done" && p.finished_ns > prefetch_started_ns_;
  if ((p.phase == "prefetch" || finished) && prefetch_started_ns_) {
    int64_t end = finished ? p.finished_ns : wall_ns();
    double secs = static_cast<double>(end - prefetch_started_ns_) / 1e9;
    p.rate_bytes_per_second = secs > 0 ? static_cast<double>(p.bytes_done) / secs : 0;
    if (p.rate_bytes_per_second > 0 && p.bytes_total > p.bytes_done) {
      p.eta_seconds = static_cast<double>(p.bytes_total - p.bytes_done) / p.rate_bytes_per_second;
    }
  }
  return p;
}

void RestoreJob::failed(const std::string& bucket, const Status& st) {
  spdlog::error("cloud restore of {} failed: {}", bucket, st.to_string());
  MutexLock lock(&mu_);
  progress_.running = false;
  progress_.done = true;
  progress_.error = st.to_string();
  progress_.finished_ns = wall_ns();
}

void RestoreJob::finished(const std::string& bucket) {
  MutexLock lock(&mu_);
  progress_.running = false;
  progress_.done = true;
  progress_.phase = "done";
  progress_.finished_ns = wall_ns();
  spdlog::info("cloud restore of {} done: {} objects ({} bytes) downloaded, {} left in the cloud",
               bucket, progress_.objects_done - progress_.objects_failed, progress_.bytes_done,
               progress_.objects_failed);
}

Task<Status> RestoreJob::save(const std::string& bucket, const SavedRestore& saved) {
  std::string text = saved.encode();
  co_return co_await parts_.rt.blocking(
      [&] { return parts_.queue->set_restore_state(bucket, text); });
}

Task<void> RestoreJob::run(std::string target_name, std::string bucket, LinkMode mode,
                           std::string owner_id) {
  auto self = shared_from_this();
  auto cfg = parts_.registry.target(target_name);
  if (!cfg) co_return failed(bucket, Status::not_found("cloud target vanished"));
  auto made = parts_.pool->make(*cfg);
  if (!made.is_ok()) co_return failed(bucket, made.status());
  std::shared_ptr<CloudTarget> target(std::move(*made));

  SavedRestore saved{target_name, owner_id, mode, "metadata", ""};
  Status st = co_await save(bucket, saved);
  Caller owner{owner_id, false};
  if (st.is_ok()) st = co_await prepare_bucket(owner, bucket, target_name, mode);
  if (!st.is_ok()) co_return failed(bucket, st);
  auto checkpointed = co_await open_checkpoint(*target, *cfg, owner, bucket);
  if (!checkpointed.is_ok()) co_return failed(bucket, checkpointed.status());
  auto recorded = co_await record_keys(*target, *cfg, bucket, *checkpointed);
  // A failure stops the restore after its window. The saved phase stays
  // "metadata": the next start of the array runs it again, and the keys
  // recorded already are left as they are (import_key, kConflict).
  if (!recorded.is_ok()) co_return failed(bucket, recorded.status());

  saved.phase = "prefetch";
  st = co_await save(bucket, saved);
  if (!st.is_ok()) co_return failed(bucket, st);
  spdlog::info("cloud restore of {}: {} objects recorded, serving; prefetching", bucket, *recorded);
  co_await prefetch(target, bucket, saved.cursor);
}

Task<Status> RestoreJob::prepare_bucket(const Caller& owner, const std::string& bucket,
                                        const std::string& target_name, LinkMode mode) {
  CreateBucketOptions create;
  auto created = co_await parts_.objects.buckets().create_bucket(owner, bucket, create);
  if (!created.is_ok() && created.status().code() != StatusCode::kBucketAlreadyOwnedByYou)
    co_return created.status();
  // Linked first: reads of the evicted records go to the cloud, and client
  // writes from now on are uploaded.
  if (parts_.registry.link_of(bucket)) co_return Status::ok();
  CloudLink link;
  link.bucket = bucket;
  link.target = target_name;
  link.mode = mode;
  link.created_ns = wall_ns();
  co_return co_await parts_.rt.blocking([&] { return parts_.registry.add_link(link); });
}

Task<Result<RestoreJob::Checkpointed>> RestoreJob::open_checkpoint(CloudTarget& target,
                                                                   const CloudTargetConfig& cfg,
                                                                   const Caller& owner,
                                                                   const std::string& bucket) {
  // The newest checkpoint brings version ids, older versions and delete
  // markers; the listing brings the current objects (also those written
  // after the checkpoint, or by other tools).
  Checkpointed out;
  SKY_CO_ASSIGN_OR_RETURN(
      out.checkpoint, co_await CheckpointReader::newest(target, cfg, options_.checkpoint_piece));
  const std::optional<CloudCheckpoint>& cp = out.checkpoint;
  if (cp) {
    SKY_CO_ASSIGN_OR_RETURN(
        out.reader, co_await CheckpointReader::open(target, cp->name, options_.checkpoint_piece));
  }
  if (cp && cp->versioning != VersioningState::kUnversioned) {
    SKY_CO_RETURN_IF_ERROR(
        co_await parts_.objects.buckets().set_bucket_versioning(owner, bucket, cp->versioning));
  }
  if (cp && cp->object_lock.enabled) {
    // After versioning: Object Lock needs it Enabled.
    SKY_CO_RETURN_IF_ERROR(co_await parts_.objects.buckets().put_object_lock_configuration(
        owner, bucket, cp->object_lock));
  }
  spdlog::info("cloud restore of {} from {}: checkpoint {}", bucket, cfg.name,
               cp ? cp->name : "none");
  MutexLock lock(&mu_);
  progress_.checkpoint = cp ? cp->name : "";
  co_return std::move(out);
}

Task<Result<uint64_t>> RestoreJob::record_keys(CloudTarget& target, const CloudTargetConfig& cfg,
                                               const std::string& bucket,
                                               Checkpointed& checkpointed) {
  // Streamed and merged key by key (restore_stream.h), a window of keys at
  // a time. The totals grow as keys are found: knowing them up front would
  // take a pass over the whole bucket.
  const CloudCheckpoint* cp = checkpointed.checkpoint ? &*checkpointed.checkpoint : nullptr;
  RestoreStream stream(target, cfg, std::move(checkpointed.reader));
  std::vector<RestoreItem> batch;
  uint64_t recorded = 0;
  Status first_error;
  while (first_error.is_ok()) {
    Status st = co_await stream.next_batch(batch, kRestoreWindowKeys, kRestoreWindowVersions);
    SKY_CO_RETURN_IF_ERROR(st);
    if (batch.empty()) break;
    {
      MutexLock lock(&mu_);
      progress_.objects_total += batch.size();
      for (const auto& item : batch) progress_.bytes_total += item.entry ? item.entry->size : 0;
    }
    co_await bounded_for(batch.size(), options_.prefetch_workers, [&](size_t i) -> Task<void> {
      RestoreItem& item = batch[i];
      const CloudListEntry* entry = item.entry ? &*item.entry : nullptr;
      size_t n = item.versions.size();
      Status s = co_await import_key(target, bucket, item.key, std::move(item.versions), entry, cp);
      MutexLock lock(&mu_);
      if (!s.is_ok() && first_error.is_ok()) first_error = s;
      progress_.objects_done++;
      progress_.bytes_done += entry ? entry->size : 0;
      progress_.versions_restored += n;
    });
    recorded += batch.size();
  }
  SKY_CO_RETURN_IF_ERROR(first_error);
  co_return recorded;
}

Task<Status> RestoreJob::import_key(CloudTarget& target, const std::string& bucket,
                                    const std::string& key, std::vector<ImportedObject> versions,
                                    const CloudListEntry* entry,
                                    const CloudCheckpoint* checkpoint) {
  if (!checkpoint_is_current(versions, entry, checkpoint)) {
    bool versioned = checkpoint && checkpoint->versioning != VersioningState::kUnversioned;
    if (!versioned) versions.clear();  // the null version is replaced
    if (!entry) {
      // Deleted after the checkpoint.
      if (versions.empty()) co_return Status::ok();
      ImportedObject marker;
      marker.delete_marker = true;
      versions.push_back(std::move(marker));
    } else {
      SKY_CO_ASSIGN_OR_RETURN(CloudObjectHead head, co_await target.head(entry->key));
      SKY_CO_ASSIGN_OR_RETURN(auto tags, co_await target.get_tags(entry->key));
      versions.push_back(imported_of(head, std::move(tags)));
    }
  }
  Status st = co_await parts_.objects.residency().import_versions(bucket, key, versions);
  // A client wrote the key first (after a restart, or during the restore):
  // the local version is newer and is uploaded in its turn.
  if (st.code() == StatusCode::kConflict) co_return Status::ok();
  SKY_CO_RETURN_IF_ERROR(st);
  if (versions.back().delete_marker) co_return Status::ok();
  // The record is the cloud's copy: current by construction (eviction and
  // re-caching rely on it).
  std::string etag = versions.back().etag;
  co_return co_await parts_.rt.blocking(
      [&] { return parts_.queue->set_synced(bucket, key, etag); });
}

Task<void> RestoreJob::resume() {
  auto self = shared_from_this();
  auto buckets = co_await parts_.rt.blocking([&] { return parts_.queue->restoring_buckets(); });
  if (!buckets.is_ok()) {
    spdlog::error("cloud restore state: {}", buckets.status().to_string());
    co_return;
  }
  for (const auto& bucket : *buckets) {
    auto text = co_await parts_.rt.blocking([&] { return parts_.queue->restore_state(bucket); });
    if (!text.is_ok() || !*text) continue;
    auto saved = SavedRestore::decode(**text);
    if (!saved.is_ok()) {
      spdlog::error("cloud restore of {}: {}", bucket, saved.status().to_string());
      continue;
    }
    {
      MutexLock lock(&mu_);
      if (progress_.running) break;  // one at a time; the others resume after a restart
      progress_ = RestoreProgress{};
      progress_.running = true;
      progress_.phase = saved->phase;
      progress_.bucket = bucket;
      progress_.target = saved->target;
      progress_.started_ns = wall_ns();
    }
    spdlog::info("cloud restore of {} from {} resumes ({}, after '{}')", bucket, saved->target,
                 saved->phase, saved->cursor);
    co_await resume_one(bucket, *saved);
  }
}

Task<void> RestoreJob::resume_one(const std::string& bucket, const SavedRestore& saved) {
  if (saved.phase == "metadata") {
    co_await run(saved.target, bucket, saved.mode, saved.owner);
    co_return;
  }
  auto cfg = parts_.registry.target(saved.target);
  if (!cfg) {
    co_return failed(bucket, Status::not_found("cloud target '" + saved.target + "' is gone"));
  }
  auto made = parts_.pool->make(*cfg);
  if (!made.is_ok()) co_return failed(bucket, made.status());
  co_await prefetch(std::shared_ptr<CloudTarget>(std::move(*made)), bucket, saved.cursor);
}

Task<Status> RestoreJob::count_remaining(const std::string& bucket, const std::string& cursor) {
  Caller sys = system_caller();
  uint64_t objects_total = 0, bytes_total = 0;
  ListObjectsOptions list;
  list.start_after = cursor;
  while (true) {
    auto page = co_await parts_.objects.reads().list_objects(sys, bucket, list);
    SKY_CO_RETURN_IF_ERROR(page.status());
    for (const auto& o : page->objects) {
      if (!o.evicted) continue;
      ++objects_total;
      bytes_total += o.size;
    }
    if (!page->is_truncated) break;
    list.continuation_token = page->next_continuation_token;
  }
  MutexLock lock(&mu_);
  progress_.serving = true;
  progress_.phase = "prefetch";
  progress_.objects_total = objects_total;
  progress_.bytes_total = bytes_total;
  progress_.objects_done = progress_.bytes_done = progress_.objects_failed = 0;
  prefetch_started_ns_ = wall_ns();
  co_return Status::ok();
}

Task<void> RestoreJob::prefetch(std::shared_ptr<CloudTarget> target, std::string bucket,
                                std::string cursor) {
  auto self = shared_from_this();
  auto link = parts_.registry.link_of(bucket);
  if (!link) co_return failed(bucket, Status::not_found("bucket is no longer linked"));
  auto cfg = parts_.registry.target(link->target);
  if (!cfg) co_return failed(bucket, Status::not_found("cloud target is gone"));
  Status st = co_await count_remaining(bucket, cursor);
  if (!st.is_ok()) co_return failed(bucket, st);
  // A cache link keeps what fits under its watermark (down to 80%, as
  // eviction would); the rest stays in the cloud.
  const uint64_t budget = link->mode == LinkMode::kCache ? link->cache_bytes / 10 * 8 : UINT64_MAX;
  uint64_t fetched = 0;
  Caller sys = system_caller();
  ListObjectsOptions pages;
  pages.start_after = cursor;
  pages.max_keys = kPrefetchPage;
  while (!parts_.rt.stopping()) {
    auto page = co_await parts_.objects.reads().list_objects(sys, bucket, pages);
    if (!page.is_ok()) co_return failed(bucket, page.status());
    std::vector<ObjectInfo> todo;
    bool over_budget = false;
    for (auto& o : page->objects) {
      if (!o.evicted) continue;
      if (fetched + o.size > budget) {
        over_budget = true;
        break;
      }
      fetched += o.size;
      todo.push_back(std::move(o));
    }
    co_await prefetch_objects(*target, *cfg, bucket, todo);
    if (parts_.rt.stopping()) co_return;  // the cursor stays at the last finished page
    if (page->objects.empty() || over_budget) break;
    SavedRestore saved{link->target, "", link->mode, "prefetch", page->objects.back().key};
    st = co_await save(bucket, saved);
    if (!st.is_ok()) co_return failed(bucket, st);
    if (!page->is_truncated) break;
    pages.start_after = page->objects.back().key;
  }
  st = co_await parts_.rt.blocking([&] { return parts_.queue->clear_restore_state(bucket); });
  if (!st.is_ok()) co_return failed(bucket, st);
  finished(bucket);
}

Task<void> RestoreJob::prefetch_objects(CloudTarget& target, const CloudTargetConfig& cfg,
                                        const std::string& bucket,
                                        const std::vector<ObjectInfo>& todo) {
  co_await bounded_for(todo.size(), options_.prefetch_workers, [&](size_t i) -> Task<void> {
    const ObjectInfo& o = todo[i];
    Status s;
    for (int attempt = 0; attempt < kPrefetchAttempts && !parts_.rt.stopping(); ++attempt) {
      s = co_await prefetch_object(target, cfg, o);
      if (s.is_ok() || s.code() == StatusCode::kPreconditionFailed) break;
      co_await sleep_for(std::chrono::milliseconds(200 << attempt));
    }
    if (parts_.rt.stopping()) co_return;
    bool lost = !s.is_ok() && s.code() != StatusCode::kPreconditionFailed;
    {
      MutexLock lock(&mu_);
      progress_.objects_done++;
      progress_.bytes_done += o.size;
      if (lost) progress_.objects_failed++;
    }
    if (lost) {
      parts_.counters->note_error("prefetch of " + o.key + ": " + s.to_string());
      spdlog::warn("cloud restore of {}: prefetch of {} failed (read-through serves it): {}",
                   bucket, o.key, s.to_string());
    }
  });
}

Task<Status> RestoreJob::prefetch_object(CloudTarget& target, const CloudTargetConfig& cfg,
                                         const ObjectInfo& info) {
  SKY_CO_ASSIGN_OR_RETURN(
      auto writer, parts_.objects.residency().refill_object(info.bucket, info.key, info.etag));
  std::string cloud_key = cfg.prefix + info.key;
  BeforeCloudGet throttle = [this](uint64_t len) -> Task<void> { co_await prefetch_throttle(len); };
  SKY_CO_RETURN_IF_ERROR(
      co_await copy_from_cloud(target, cloud_key, info.size, kRestorePiece, *writer, throttle));
  co_return (co_await writer->commit()).status();
}

Task<void> RestoreJob::prefetch_throttle(uint64_t bytes) {
  if (options_.prefetch_bandwidth == 0) co_return;
  // The transfer's share of the bandwidth ends at `done`; waiting for it
  // (not only for the previous transfers) keeps the whole run, its last
  // objects included, within the limit.
  auto now = std::chrono::steady_clock::now();
  auto start = std::max(now, prefetch_next_free_);
  auto done = start + std::chrono::microseconds(bytes * 1000000 / options_.prefetch_bandwidth);
  prefetch_next_free_ = done;
  co_await sleep_for(std::chrono::duration_cast<std::chrono::milliseconds>(done - now));
}

}  // namespace skyarray::services
