// Disaster recovery: rebuilding a local bucket from its cloud copy.
//
// Phase "metadata": the bucket is created and linked (so nothing is
// re-uploaded and reads of evicted objects go to the cloud), the newest
// metadata checkpoint and the cloud location's listing (so objects written
// there by any S3 tool are included) are merged key by key as they are read
// (RestoreStream, bounded memory), and each key is recorded locally with its
// versions, attributes and tags, its bytes left in the cloud
// (ObjectService::import_versions), a window of keys at a time. From then
// on the array serves every object: GETs stream from the cloud
// (cloud_cache.cc).
//
// Phase "prefetch": a background pass downloads the bytes of every object
// still evicted, `prefetch_workers` at a time under `prefetch_bandwidth`,
// checking size and MD5 (ObjectService::refill_object). Its cursor (the
// last key of the last finished page) is kept in metadata, so a restart
// resumes after it; an object refilled meanwhile by a read or overwritten
// by a client is skipped.
#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include "services/cloud/cloud_sync_state.h"
#include "services/cloud/restore_stream.h"

namespace skyarray::services {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {
constexpr uint64_t kRestorePiece = 8ull << 20;
constexpr uint64_t kCopyPiece = 16ull << 20;
constexpr uint32_t kPrefetchPage = 256;
constexpr int kPrefetchAttempts = 3;
// The metadata phase records keys a window at a time: at most this many
// keys, and no more once they carry this many checkpointed versions.
constexpr size_t kRestoreWindowKeys = 2048;
constexpr size_t kRestoreWindowVersions = 16384;

int64_t wall_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Task<void> pause(std::chrono::milliseconds d) {
  asio::steady_timer timer(co_await asio::this_coro::executor, d);
  co_await timer.async_wait(asio::use_awaitable);
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
  while (*running > 0) co_await pause(std::chrono::milliseconds(5));
}

// Persistent restore state ("cloud/r/<bucket>", UploadQueue).
struct SavedRestore {
  std::string target;
  std::string owner;
  LinkMode mode = LinkMode::kSync;
  std::string phase;   // "metadata" | "prefetch"
  std::string cursor;  // prefetch: last key of the last finished page

  std::string encode() const {
    return json::serialize(json::object{{"v", 1},
                                        {"target", target},
                                        {"owner", owner},
                                        {"mode", std::string(link_mode_name(mode))},
                                        {"phase", phase},
                                        {"cursor", cursor}});
  }
  static Result<SavedRestore> decode(const std::string& text) {
    boost::system::error_code ec;
    json::value v = json::parse(text, ec);
    if (ec || !v.is_object()) return Status::corruption("bad restore state: " + text);
    const auto& o = v.as_object();
    auto str = [&](const char* k) {
      const json::value* f = o.if_contains(k);
      return f && f->is_string() ? std::string(f->as_string()) : std::string();
    };
    SavedRestore s;
    s.target = str("target");
    s.owner = str("owner");
    auto mode = parse_link_mode(str("mode"));
    if (!mode) return Status::corruption("bad restore state: " + text);
    s.mode = *mode;
    s.phase = str("phase");
    s.cursor = str("cursor");
    return s;
  }
};

}  // namespace

Status CloudSync::start_restore(std::string target, std::string bucket, LinkMode mode,
                                std::string owner) {
  State& s = *state_;
  if (!s.registry.target(target)) return Status::not_found("no cloud target '" + target + "'");
  if (mode == LinkMode::kSubscribe) {
    return Status::invalid_argument(
        "a subscribe link imports the bucket itself: use 'cloud link --mode subscribe'");
  }
  if (s.registry.link_of(bucket))
    return Status(StatusCode::kConflict, "bucket '" + bucket + "' is already linked");
  {
    std::lock_guard lock(s.mu);
    if (s.restore.running) return Status(StatusCode::kConflict, "a restore is running");
    s.restore = RestoreProgress{};
    s.restore.running = true;
    s.restore.phase = "metadata";
    s.restore.bucket = bucket;
    s.restore.target = target;
    s.restore.started_ns = wall_ns();
  }
  auto st = state_;
  asio::co_spawn(st->rt.io(0), st->restore_run(target, bucket, mode, owner), asio::detached);
  return Status::ok();
}

RestoreProgress CloudSync::restore_progress() const {
  std::lock_guard lock(state_->mu);
  RestoreProgress p = state_->restore;
  // While prefetching: the rate so far; once done: the average of the run.
  bool finished = p.phase == "done" && p.finished_ns > state_->prefetch_started_ns;
  if ((p.phase == "prefetch" || finished) && state_->prefetch_started_ns) {
    int64_t end = finished ? p.finished_ns : static_cast<int64_t>(wall_ns());
    double secs = static_cast<double>(end - state_->prefetch_started_ns) / 1e9;
    p.rate_bytes_per_second = secs > 0 ? static_cast<double>(p.bytes_done) / secs : 0;
    if (p.rate_bytes_per_second > 0 && p.bytes_total > p.bytes_done) {
      p.eta_seconds = static_cast<double>(p.bytes_total - p.bytes_done) / p.rate_bytes_per_second;
    }
  }
  return p;
}

Task<Result<CloudListPage>> CloudSync::State::list_cloud_page(CloudTarget& target,
                                                              const CloudTargetConfig& cfg,
                                                              const std::string& token) {
  std::string none;
  std::string priv = private_prefix(cfg);
  SKY_CO_ASSIGN_OR_RETURN(CloudListPage page, co_await target.list(cfg.prefix, token, none));
  std::erase_if(page.entries, [&](const CloudListEntry& e) {
    return e.key.starts_with(priv) || e.key.size() == cfg.prefix.size();
  });
  co_return page;
}

Task<bool> CloudSync::State::restoring_metadata(const std::string& bucket) {
  auto text = co_await rt.blocking([&] { return queue.restore_state(bucket); });
  if (!text.is_ok() || !*text) co_return false;
  auto saved = SavedRestore::decode(**text);
  co_return saved.is_ok() && saved->phase == "metadata";
}

void CloudSync::State::restore_failed(const std::string& bucket, const Status& st) {
  spdlog::error("cloud restore of {} failed: {}", bucket, st.to_string());
  std::lock_guard lock(mu);
  restore.running = false;
  restore.done = true;
  restore.error = st.to_string();
  restore.finished_ns = wall_ns();
}

Task<void> CloudSync::State::restore_run(std::string target_name, std::string bucket, LinkMode mode,
                                         std::string owner_id) {
  auto self = shared_from_this();
  auto cfg = registry.target(target_name);
  if (!cfg) co_return restore_failed(bucket, Status::not_found("cloud target vanished"));
  auto made = factory(rt.io(0), *cfg);
  if (!made.is_ok()) co_return restore_failed(bucket, made.status());
  std::shared_ptr<CloudTarget> target(std::move(*made));

  SavedRestore saved{target_name, owner_id, mode, "metadata", ""};
  std::string saved_text = saved.encode();
  Status st = co_await rt.blocking([&] { return queue.set_restore_state(bucket, saved_text); });
  if (!st.is_ok()) co_return restore_failed(bucket, st);

  Caller owner{owner_id, false};
  CreateBucketOptions create;
  auto created = co_await objects.create_bucket(owner, bucket, create);
  if (!created.is_ok() && created.status().code() != StatusCode::kBucketAlreadyOwnedByYou)
    co_return restore_failed(bucket, created.status());
  // Linked first: reads of the evicted records below go to the cloud, and
  // client writes from now on are uploaded. The records themselves are not
  // changes (nothing is queued for them).
  if (!registry.link_of(bucket)) {
    CloudLink link;
    link.bucket = bucket;
    link.target = target_name;
    link.mode = mode;
    link.created_ns = wall_ns();
    st = co_await rt.blocking([&] { return registry.add_link(link); });
    if (!st.is_ok()) co_return restore_failed(bucket, st);
  }

  // The newest checkpoint brings version ids, older versions and delete
  // markers; the listing brings the current objects (also those written
  // after the checkpoint, or by other tools). Both are streamed and merged
  // key by key (restore_stream.h), a window of keys at a time.
  auto checkpoint = co_await read_checkpoint(*target, *cfg);
  if (!checkpoint.is_ok()) co_return restore_failed(bucket, checkpoint.status());
  std::optional<CloudCheckpoint> cp = std::move(*checkpoint);
  std::unique_ptr<CheckpointReader> reader;
  if (cp) {
    auto opened = co_await CheckpointReader::open(*target, cp->name, options.checkpoint_part_size);
    if (!opened.is_ok()) co_return restore_failed(bucket, opened.status());
    reader = std::move(*opened);
  }
  if (cp && cp->versioning != VersioningState::kUnversioned) {
    st = co_await objects.set_bucket_versioning(owner, bucket, cp->versioning);
    if (!st.is_ok()) co_return restore_failed(bucket, st);
  }
  spdlog::info("cloud restore of {} from {}: checkpoint {}", bucket, target_name,
               cp ? cp->name : "none");
  {
    std::lock_guard lock(mu);
    restore.checkpoint = cp ? cp->name : "";
  }
  // The totals grow as keys are found: knowing them up front would take a
  // pass over the whole bucket.
  RestoreStream stream(*target, *cfg, std::move(reader));
  std::vector<RestoreItem> batch;
  uint64_t recorded = 0;
  Status first_error;
  while (first_error.is_ok()) {
    st = co_await stream.next_batch(batch, kRestoreWindowKeys, kRestoreWindowVersions);
    if (!st.is_ok()) co_return restore_failed(bucket, st);
    if (batch.empty()) break;
    {
      std::lock_guard lock(mu);
      restore.objects_total += batch.size();
      for (const auto& item : batch) restore.bytes_total += item.entry ? item.entry->size : 0;
    }
    co_await bounded_for(batch.size(), options.prefetch_workers, [&](size_t i) -> Task<void> {
      RestoreItem& item = batch[i];
      const CloudListEntry* entry = item.entry ? &*item.entry : nullptr;
      size_t n = item.versions.size();
      Status s = co_await import_key(*target, *cfg, bucket, item.key, std::move(item.versions),
                                     entry, cp ? &*cp : nullptr);
      std::lock_guard lock(mu);
      if (!s.is_ok() && first_error.is_ok()) first_error = s;
      restore.objects_done++;
      restore.bytes_done += entry ? entry->size : 0;
      restore.versions_restored += n;
    });
    recorded += batch.size();
  }
  // A failure stops the restore after its window. The saved phase stays
  // "metadata": the next start of the array runs it again, and the keys
  // recorded already are left as they are (import_key, kConflict).
  if (!first_error.is_ok()) co_return restore_failed(bucket, first_error);

  saved.phase = "prefetch";
  saved_text = saved.encode();
  st = co_await rt.blocking([&] { return queue.set_restore_state(bucket, saved_text); });
  if (!st.is_ok()) co_return restore_failed(bucket, st);
  spdlog::info("cloud restore of {}: {} objects recorded, serving; prefetching", bucket, recorded);
  co_await prefetch_run(target, bucket, saved.cursor);
}

Task<Status> CloudSync::State::import_key(CloudTarget& target, const CloudTargetConfig& cfg,
                                          const std::string& bucket, const std::string& key,
                                          std::vector<ImportedObject> versions,
                                          const CloudListEntry* entry,
                                          const CloudCheckpoint* checkpoint) {
  // Is the checkpoint's newest entry what the cloud holds now? A plain
  // cloud ETag is the MD5 and must match; a multipart one (the tier uploads
  // large objects in parts) is trusted when the size matches and the cloud
  // copy predates the checkpoint. The refill checks the MD5 in either case.
  bool current = false;
  if (!versions.empty()) {
    const ImportedObject& latest = versions.back();
    if (!entry) {
      current = latest.delete_marker;
    } else if (!latest.delete_marker && entry->size == latest.size) {
      current = entry->etag.find('-') == std::string::npos
                    ? entry->etag == latest.etag
                    : entry->mtime_ns <= checkpoint->created_ns;
    }
  }
  if (!current) {
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
      ImportedObject obj;
      obj.size = head.size;
      obj.etag = head.etag;
      obj.mtime_ns = head.mtime_ns;
      obj.content.content_type = head.attrs.content_type;
      obj.content.content_encoding = head.attrs.content_encoding;
      obj.content.content_disposition = head.attrs.content_disposition;
      obj.content.cache_control = head.attrs.cache_control;
      obj.user_metadata = head.attrs.user_metadata;
      obj.tags = std::move(tags);
      versions.push_back(std::move(obj));
    }
  }
  (void)cfg;
  Status st = co_await objects.import_versions(bucket, key, versions);
  // A client wrote the key first (after a restart, or during the restore):
  // the local version is newer and is uploaded in its turn.
  if (st.code() == StatusCode::kConflict) co_return Status::ok();
  SKY_CO_RETURN_IF_ERROR(st);
  if (versions.back().delete_marker) co_return Status::ok();
  // The record is the cloud's copy: current by construction (eviction and
  // re-caching rely on it).
  std::string etag = versions.back().etag;
  co_return co_await rt.blocking([&] { return queue.set_synced(bucket, key, etag); });
}

// A whole copy of one cloud object (subscribe links, cloud_journal.cc).
Task<Status> CloudSync::State::restore_object(CloudTarget& target, const Caller& owner,
                                              const std::string& bucket,
                                              const std::string& local_key,
                                              const CloudListEntry& entry) {
  SKY_CO_ASSIGN_OR_RETURN(CloudObjectHead head, co_await target.head(entry.key));
  SKY_CO_ASSIGN_OR_RETURN(auto tags, co_await target.get_tags(entry.key));
  PutOptions put;
  put.content.content_type = head.attrs.content_type;
  put.content.content_encoding = head.attrs.content_encoding;
  put.content.content_disposition = head.attrs.content_disposition;
  put.content.cache_control = head.attrs.cache_control;
  put.user_metadata = head.attrs.user_metadata;
  put.tags = std::move(tags);
  put.expected_size = head.size;
  SKY_CO_ASSIGN_OR_RETURN(auto writer, co_await objects.put_object(owner, bucket, local_key, put));
  for (uint64_t first = 0; first < head.size; first += kCopyPiece) {
    uint64_t len = std::min(kCopyPiece, head.size - first);
    auto piece = co_await target.get(entry.key, first, len);
    if (!piece.is_ok() || piece->size() != len) {
      co_await writer->abort();
      co_return piece.is_ok() ? Status::io_error("short cloud read of " + entry.key)
                              : piece.status();
    }
    Buffer data = Buffer::copy_of(*piece);
    Status w = co_await writer->write(std::move(data));
    if (!w.is_ok()) {
      co_await writer->abort();
      co_return w;
    }
  }
  SKY_CO_ASSIGN_OR_RETURN(ObjectInfo info, co_await writer->commit());
  // A single-part cloud ETag is the MD5 of the bytes: check them end to end.
  if (head.etag.find('-') == std::string::npos && !head.etag.empty() && head.etag != info.etag) {
    co_return Status(StatusCode::kBadDigest, "restored " + local_key + " has MD5 " + info.etag +
                                                 ", the cloud says " + head.etag);
  }
  // The bytes came from the cloud and were checked: the cloud copy is current.
  SKY_CO_RETURN_IF_ERROR(
      co_await rt.blocking([&] { return queue.set_synced(bucket, local_key, info.etag); }));
  co_return Status::ok();
}

Task<void> CloudSync::State::resume_restore() {
  auto self = shared_from_this();
  auto buckets = co_await rt.blocking([&] { return queue.restoring_buckets(); });
  if (!buckets.is_ok()) {
    spdlog::error("cloud restore state: {}", buckets.status().to_string());
    co_return;
  }
  for (const auto& bucket : *buckets) {
    auto text = co_await rt.blocking([&] { return queue.restore_state(bucket); });
    if (!text.is_ok() || !*text) continue;
    auto saved = SavedRestore::decode(**text);
    if (!saved.is_ok()) {
      spdlog::error("cloud restore of {}: {}", bucket, saved.status().to_string());
      continue;
    }
    {
      std::lock_guard lock(mu);
      if (restore.running) break;  // one at a time; the others resume after a restart
      restore = RestoreProgress{};
      restore.running = true;
      restore.phase = saved->phase;
      restore.bucket = bucket;
      restore.target = saved->target;
      restore.started_ns = wall_ns();
    }
    spdlog::info("cloud restore of {} from {} resumes ({}, after '{}')", bucket, saved->target,
                 saved->phase, saved->cursor);
    if (saved->phase == "metadata") {
      co_await restore_run(saved->target, bucket, saved->mode, saved->owner);
      continue;
    }
    auto cfg = registry.target(saved->target);
    if (!cfg) {
      restore_failed(bucket, Status::not_found("cloud target '" + saved->target + "' is gone"));
      continue;
    }
    auto made = factory(rt.io(0), *cfg);
    if (!made.is_ok()) {
      restore_failed(bucket, made.status());
      continue;
    }
    co_await prefetch_run(std::shared_ptr<CloudTarget>(std::move(*made)), bucket, saved->cursor);
  }
}

Task<void> CloudSync::State::prefetch_run(std::shared_ptr<CloudTarget> target, std::string bucket,
                                          std::string cursor) {
  auto self = shared_from_this();
  auto link = registry.link_of(bucket);
  if (!link) co_return restore_failed(bucket, Status::not_found("bucket is no longer linked"));
  auto cfg = registry.target(link->target);
  if (!cfg) co_return restore_failed(bucket, Status::not_found("cloud target is gone"));
  Caller sys = system_caller();

  // What is left to download: the evicted objects after the cursor.
  uint64_t objects_total = 0, bytes_total = 0;
  ListObjectsOptions list;
  list.start_after = cursor;
  while (true) {
    auto page = co_await objects.list_objects(sys, bucket, list);
    if (!page.is_ok()) co_return restore_failed(bucket, page.status());
    for (const auto& o : page->objects) {
      if (!o.evicted) continue;
      ++objects_total;
      bytes_total += o.size;
    }
    if (!page->is_truncated) break;
    list.continuation_token = page->next_continuation_token;
  }
  {
    std::lock_guard lock(mu);
    restore.serving = true;
    restore.phase = "prefetch";
    restore.objects_total = objects_total;
    restore.bytes_total = bytes_total;
    restore.objects_done = restore.bytes_done = restore.objects_failed = 0;
    prefetch_started_ns = wall_ns();
  }
  // A cache link keeps what fits under its watermark (down to 80%, as
  // eviction would); the rest stays in the cloud.
  const uint64_t budget = link->mode == LinkMode::kCache ? link->cache_bytes / 10 * 8 : UINT64_MAX;
  uint64_t fetched = 0;
  ListObjectsOptions pages;
  pages.start_after = cursor;
  pages.max_keys = kPrefetchPage;
  while (!rt.stopping()) {
    auto page = co_await objects.list_objects(sys, bucket, pages);
    if (!page.is_ok()) co_return restore_failed(bucket, page.status());
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
    co_await bounded_for(todo.size(), options.prefetch_workers, [&](size_t i) -> Task<void> {
      const ObjectInfo& o = todo[i];
      Status s;
      for (int attempt = 0; attempt < kPrefetchAttempts && !rt.stopping(); ++attempt) {
        s = co_await prefetch_object(*target, *cfg, o);
        if (s.is_ok() || s.code() == StatusCode::kPreconditionFailed) break;
        co_await pause(std::chrono::milliseconds(200 << attempt));
      }
      if (rt.stopping()) co_return;
      std::lock_guard lock(mu);
      restore.objects_done++;
      restore.bytes_done += o.size;
      if (!s.is_ok() && s.code() != StatusCode::kPreconditionFailed) {
        restore.objects_failed++;
        counters.errors++;
        counters.last_error = "prefetch of " + o.key + ": " + s.to_string();
        spdlog::warn("cloud restore of {}: prefetch of {} failed (read-through serves it): {}",
                     bucket, o.key, s.to_string());
      }
    });
    if (rt.stopping()) co_return;  // the cursor stays at the last finished page
    if (page->objects.empty() || over_budget) break;
    SavedRestore saved{link->target, "", link->mode, "prefetch", page->objects.back().key};
    std::string text = saved.encode();
    Status st = co_await rt.blocking([&] { return queue.set_restore_state(bucket, text); });
    if (!st.is_ok()) co_return restore_failed(bucket, st);
    if (!page->is_truncated) break;
    pages.start_after = page->objects.back().key;
  }
  Status st = co_await rt.blocking([&] { return queue.clear_restore_state(bucket); });
  if (!st.is_ok()) co_return restore_failed(bucket, st);
  std::lock_guard lock(mu);
  restore.running = false;
  restore.done = true;
  restore.phase = "done";
  restore.finished_ns = wall_ns();
  spdlog::info("cloud restore of {} done: {} objects ({} bytes) downloaded, {} left in the cloud",
               bucket, restore.objects_done - restore.objects_failed, restore.bytes_done,
               restore.objects_failed);
}

Task<Status> CloudSync::State::prefetch_object(CloudTarget& target, const CloudTargetConfig& cfg,
                                               const ObjectInfo& info) {
  SKY_CO_ASSIGN_OR_RETURN(auto writer, objects.refill_object(info.bucket, info.key, info.etag));
  std::string cloud_key = cfg.prefix + info.key;
  for (uint64_t first = 0; first < info.size; first += kRestorePiece) {
    uint64_t len = std::min(kRestorePiece, info.size - first);
    co_await prefetch_throttle(len);
    auto piece = co_await target.get(cloud_key, first, len);
    if (!piece.is_ok() || piece->size() != len) {
      co_await writer->abort();
      co_return piece.is_ok() ? Status::io_error("short cloud read of " + cloud_key)
                              : piece.status();
    }
    Buffer data = Buffer::copy_of(*piece);
    Status w = co_await writer->write(std::move(data));
    if (!w.is_ok()) {
      co_await writer->abort();
      co_return w;
    }
  }
  co_return (co_await writer->commit()).status();
}

Task<void> CloudSync::State::prefetch_throttle(uint64_t bytes) {
  if (options.prefetch_bandwidth == 0) co_return;
  // The transfer's share of the bandwidth ends at `done`; waiting for it
  // (not only for the previous transfers) keeps the whole run, its last
  // objects included, within the limit.
  auto now = std::chrono::steady_clock::now();
  auto start = std::max(now, prefetch_next_free);
  auto done = start + std::chrono::microseconds(bytes * 1000000 / options.prefetch_bandwidth);
  prefetch_next_free = done;
  co_await pause(std::chrono::duration_cast<std::chrono::milliseconds>(done - now));
}

}  // namespace skyarray::services
