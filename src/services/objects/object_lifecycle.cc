// ObjectLifecycle: the lifecycle worker, its dry run and status
// (object_lifecycle.h).
#include "services/objects/object_lifecycle.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>

#include "common/checksum.h"
#include "common/periodic_task.h"
#include "common/runtime.h"
#include "meta/key_codec.h"
#include "meta/meta_store.h"
#include "services/objects/multipart_uploads.h"
#include "services/objects/object_context.h"
#include "services/objects/object_lock_rules.h"
#include "services/objects/record_codec.h"

namespace skyarray::services {

namespace {

constexpr uint8_t kProgressFormat = 1;
const Caller kSystem{"", true, false};

void put_counts(RecordWriter& w, const LifecycleCounts& c) {
  w.varint(c.scanned).varint(c.expired).varint(c.noncurrent_expired);
  w.varint(c.markers_removed).varint(c.uploads_aborted).varint(c.skipped_locked);
}

bool get_counts(RecordReader& r, LifecycleCounts* c) {
  return r.varint(&c->scanned) && r.varint(&c->expired) && r.varint(&c->noncurrent_expired) &&
         r.varint(&c->markers_removed) && r.varint(&c->uploads_aborted) &&
         r.varint(&c->skipped_locked);
}

uint32_t config_crc(const LifecycleConfiguration& config) {
  const std::string bytes = config.encode();
  return crc32c(0, bytes.data(), bytes.size());
}

int64_t day_of(int64_t ns) {
  return ns >= 0 ? ns / kNanosPerDay : -((-ns + kNanosPerDay - 1) / kNanosPerDay);
}

bool aborts_uploads(const LifecycleConfiguration& config) {
  return std::any_of(config.rules.begin(), config.rules.end(),
                     [](const LifecycleRule& r) { return r.enabled && r.abort_days; });
}

// Where a phase's scan of one prefix range starts: its beginning, or just
// past the cursor when the cursor is inside or beyond it.
std::string scan_start(const std::string& begin, const std::string& after) {
  return after.empty() ? begin : std::max(begin, after);
}

void count(LifecycleCounts* c, LifecycleAction::Kind kind) {
  switch (kind) {
    case LifecycleAction::Kind::kExpireCurrent:
      ++c->expired;
      break;
    case LifecycleAction::Kind::kExpireNoncurrent:
      ++c->noncurrent_expired;
      break;
    case LifecycleAction::Kind::kRemoveDeleteMarker:
      ++c->markers_removed;
      break;
    case LifecycleAction::Kind::kAbortUpload:
      ++c->uploads_aborted;
      break;
  }
}

// A version `a` acts on, from the key's versions.
const ObjectRecord* version_of(const std::vector<ObjectRecord>& versions,
                               const LifecycleAction& a) {
  for (const auto& v : versions) {
    if (v.seq == a.seq) return &v;
  }
  return nullptr;
}

// The versions of bucket/key, newest first.
Result<std::vector<ObjectRecord>> load_versions(const ObjectContext& ctx, const std::string& bucket,
                                                const std::string& key) {
  std::vector<ObjectRecord> out;
  auto it = ctx.meta().scan_prefix(MetaCf::kObjects, keys::versions_of(bucket, key));
  for (it->seek_to_first(); it->valid(); it->next()) {
    SKY_ASSIGN_OR_RETURN(auto v, ObjectRecord::decode(it->value()));
    out.push_back(std::move(v));
  }
  SKY_RETURN_IF_ERROR(it->status());
  return out;
}

Result<LifecycleProgress> load_progress(const ObjectContext& ctx, const std::string& bucket) {
  SKY_ASSIGN_OR_RETURN(auto raw, ctx.meta().get(MetaCf::kBuckets, lifecycle_progress_key(bucket)));
  if (!raw) return LifecycleProgress{};
  return LifecycleProgress::decode(*raw);
}

Status save_progress(const ObjectContext& ctx, const std::string& bucket,
                     const LifecycleProgress& p) {
  MetaBatch batch;
  batch.put(MetaCf::kBuckets, lifecycle_progress_key(bucket), p.encode());
  return ctx.meta().commit(std::move(batch));
}

// Walks the version groups ("V" keys of one key at a time) of `bucket` in
// the ranges of `prefixes`, after the meta key `after`, calling
// visit(key, versions) until it returns false.
template <typename Visit>
Status for_each_key(const ObjectContext& ctx, const std::string& bucket,
                    const std::vector<std::string>& prefixes, const std::string& after,
                    Visit visit) {
  for (const auto& p : prefixes) {
    const std::string begin = keys::versions_prefix(bucket, p);
    const std::string end = KeyCodec::prefix_end(begin);
    const std::string start = scan_start(begin, after);
    if (start >= end) continue;
    auto it = ctx.meta().scan(MetaCf::kObjects, start, end);
    std::string key;
    std::vector<ObjectRecord> versions;
    for (it->seek_to_first();; it->next()) {
      const bool valid = it->valid();
      std::string b, k;
      uint64_t seq = 0;
      if (valid && !keys::parse_version(it->key(), &b, &k, &seq)) {
        return Status::corruption("bad object version key");
      }
      if (!valid || k != key) {
        if (!versions.empty() && !visit(key, versions)) return Status::ok();
        if (!valid) break;
        key = std::move(k);
        versions.clear();
      }
      SKY_ASSIGN_OR_RETURN(auto v, ObjectRecord::decode(it->value()));
      versions.push_back(std::move(v));
    }
    SKY_RETURN_IF_ERROR(it->status());
  }
  return Status::ok();
}

// The same over the uploads ("M" keys): visit(meta key, key, upload id,
// record).
template <typename Visit>
Status for_each_upload(const ObjectContext& ctx, const std::string& bucket,
                       const std::vector<std::string>& prefixes, const std::string& after,
                       Visit visit) {
  for (const auto& p : prefixes) {
    const std::string begin = keys::uploads_prefix(bucket, p);
    const std::string end = KeyCodec::prefix_end(begin);
    const std::string start = scan_start(begin, after.empty() ? after : after + '\0');
    if (start >= end) continue;
    auto it = ctx.meta().scan(MetaCf::kUploads, start, end);
    for (it->seek_to_first(); it->valid(); it->next()) {
      std::string b, key, id;
      if (!keys::parse_upload(it->key(), &b, &key, &id)) continue;
      SKY_ASSIGN_OR_RETURN(auto upload, UploadRecord::decode(it->value()));
      if (!visit(std::string(it->key()), key, id, upload)) return Status::ok();
    }
    SKY_RETURN_IF_ERROR(it->status());
  }
  return Status::ok();
}

}  // namespace

std::string lifecycle_progress_key(std::string_view bucket) {
  return KeyCodec().add_raw("Y").add_string(bucket).key();
}

void LifecycleCounts::add(const LifecycleCounts& o) {
  scanned += o.scanned;
  expired += o.expired;
  noncurrent_expired += o.noncurrent_expired;
  markers_removed += o.markers_removed;
  uploads_aborted += o.uploads_aborted;
  skipped_locked += o.skipped_locked;
}

std::string LifecycleProgress::encode() const {
  RecordWriter w;
  w.u8(kProgressFormat).svarint(pass_day).varint(config_crc).u8(phase).bytes(cursor);
  w.svarint(pass_started_ns).svarint(pass_finished_ns);
  put_counts(w, pass);
  put_counts(w, total);
  return w.take();
}

Result<LifecycleProgress> LifecycleProgress::decode(std::string_view bytes) {
  RecordReader r(bytes);
  LifecycleProgress p;
  uint8_t format = 0;
  if (!r.u8(&format) || format != kProgressFormat || !r.svarint(&p.pass_day) ||
      !r.uint(&p.config_crc) || !r.u8(&p.phase) || p.phase > 2 || !r.bytes(&p.cursor) ||
      !r.svarint(&p.pass_started_ns) || !r.svarint(&p.pass_finished_ns) ||
      !get_counts(r, &p.pass) || !get_counts(r, &p.total) || !r.done()) {
    return Status::corruption("undecodable lifecycle progress record");
  }
  return p;
}

ObjectLifecycle::ObjectLifecycle(std::shared_ptr<ObjectContext> ctx) : ctx_(std::move(ctx)) {}

void ObjectLifecycle::start() {
  if (ctx_->options().lifecycle_interval <= 0) return;
  boost::asio::co_spawn(ctx_->runtime().io(0), run(), boost::asio::detached);
}

Task<void> ObjectLifecycle::run() {
  const double pause = ctx_->options().lifecycle_pause;
  Runtime& rt = ctx_->runtime();
  std::function<Task<void>()> pass = [this, pause, &rt]() -> Task<void> {
    while (!rt.stopping()) {
      auto more = co_await step();
      if (!more.is_ok()) {
        spdlog::warn("lifecycle: {}", more.status().to_string());
        co_return;
      }
      if (!*more) co_return;
      if (pause > 0) {
        co_await sleep_for(std::chrono::milliseconds(static_cast<int64_t>(pause * 1000)));
      }
    }
  };
  co_await run_periodically(rt, ctx_->options().lifecycle_interval, pass);
}

Task<Result<bool>> ObjectLifecycle::step() {
  auto ctx = ctx_;
  co_return co_await ctx->runtime().blocking([&]() -> Result<bool> {
    std::vector<std::pair<std::string, BucketRecord>> buckets;
    {
      auto it = ctx->meta().scan_prefix(MetaCf::kBuckets, keys::buckets_begin());
      for (it->seek_to_first(); it->valid(); it->next()) {
        std::string name;
        if (!keys::parse_bucket(it->key(), &name)) continue;
        SKY_ASSIGN_OR_RETURN(auto rec, BucketRecord::decode(it->value()));
        if (rec.lifecycle) buckets.emplace_back(std::move(name), std::move(rec));
      }
      SKY_RETURN_IF_ERROR(it->status());
    }
    bool more = false;
    for (const auto& [name, rec] : buckets) {
      auto r = step_bucket(name, rec);
      if (!r.is_ok()) {
        // One bucket's trouble does not stop the others; it is retried at
        // the next interval.
        errors_.fetch_add(1, std::memory_order_relaxed);
        spdlog::warn("lifecycle of bucket {}: {}", name, r.status().to_string());
        continue;
      }
      more = more || *r;
    }
    steps_.fetch_add(1, std::memory_order_relaxed);
    return more;
  });
}

namespace {

// Applies what the rules decide now for one key, under its lock, in one
// commit that also stores `progress` with the counts added.
Status apply_key(ObjectContext& ctx, const std::string& bucket, const std::string& key, int64_t now,
                 LifecycleProgress* progress) {
  ObjectContext::KeyGuard guard(ctx, bucket, key);
  SKY_ASSIGN_OR_RETURN(auto rec, ctx.load_bucket(kSystem, bucket));
  if (!rec.lifecycle) return Status::ok();
  SKY_ASSIGN_OR_RETURN(auto versions, load_versions(ctx, bucket, key));
  const auto actions = plan_versions(*rec.lifecycle, key, versions, now);
  std::vector<bool> skipped(actions.size(), false);
  for (;;) {
    MetaBatch batch;
    batch.set_admission(MetaAdmission::kRelease);  // expiring frees space
    LifecycleCounts delta;
    bool again = false;
    for (size_t i = 0; i < actions.size() && !again; ++i) {
      if (skipped[i]) continue;
      const LifecycleAction& a = actions[i];
      const ObjectRecord* v = version_of(versions, a);
      if (!v) continue;
      Status st;
      if (a.kind == LifecycleAction::Kind::kExpireCurrent &&
          rec.versioning != VersioningState::kUnversioned) {
        // Dated by the clock that decided it, so its successor's
        // noncurrent days count from this expiry.
        ObjectRecord marker;
        marker.delete_marker = true;
        marker.mtime_ns = now;
        st = ctx.stage_new_version(&batch, rec, bucket, key, &marker);
      } else {
        st = ctx.stage_remove_version(&batch, bucket, key, *v);
      }
      if (st.code() == StatusCode::kPermissionDenied) {
        skipped[i] = true;  // Object Lock: staged nothing; build the batch again
        again = true;
        continue;
      }
      SKY_RETURN_IF_ERROR(st);
      count(&delta, a.kind);
    }
    if (again) continue;
    delta.skipped_locked = std::count(skipped.begin(), skipped.end(), true);
    LifecycleProgress next = *progress;
    next.pass.add(delta);
    next.total.add(delta);
    batch.put(MetaCf::kBuckets, lifecycle_progress_key(bucket), next.encode());
    SKY_RETURN_IF_ERROR(ctx.meta().commit(std::move(batch)));
    *progress = std::move(next);
    return Status::ok();
  }
}

// Aborts one upload if it is still there, with `progress`, in one commit.
Status apply_upload(ObjectContext& ctx, const std::string& bucket, const LifecycleAction& a,
                    LifecycleProgress* progress) {
  ObjectContext::KeyGuard guard(ctx, bucket, a.key);
  MetaBatch batch;
  batch.set_admission(MetaAdmission::kRelease);
  LifecycleProgress next = *progress;
  SKY_ASSIGN_OR_RETURN(auto raw,
                       ctx.meta().get(MetaCf::kUploads, keys::upload(bucket, a.key, a.version_id)));
  if (raw) {
    SKY_RETURN_IF_ERROR(stage_abort_upload(ctx, &batch, bucket, a.key, a.version_id));
    ++next.pass.uploads_aborted;
    ++next.total.uploads_aborted;
  }
  batch.put(MetaCf::kBuckets, lifecycle_progress_key(bucket), next.encode());
  SKY_RETURN_IF_ERROR(ctx.meta().commit(std::move(batch)));
  *progress = std::move(next);
  return Status::ok();
}

}  // namespace

Result<bool> ObjectLifecycle::step_bucket(const std::string& bucket, const BucketRecord& rec) {
  ObjectContext& ctx = *ctx_;
  const LifecycleConfiguration& config = *rec.lifecycle;
  const int64_t now = ctx.clock().now_ns();
  SKY_ASSIGN_OR_RETURN(LifecycleProgress progress, load_progress(ctx, bucket));
  const int64_t day = day_of(now);
  const uint32_t crc = config_crc(config);
  if (progress.pass_day != day || progress.config_crc != crc) {
    // A new day or new rules: a new pass from the start.
    progress.pass_day = day;
    progress.config_crc = crc;
    progress.phase = 0;
    progress.cursor.clear();
    progress.pass_started_ns = now;
    progress.pass_finished_ns = 0;
    progress.pass = LifecycleCounts{};
  } else if (progress.done()) {
    return false;
  }
  const std::vector<std::string> prefixes = lifecycle_prefixes(config);
  size_t budget = std::max<uint32_t>(1, ctx.options().lifecycle_batch);
  Status failed;
  bool exhausted = true;
  // One key or upload visited at `cursor`: counted, acted on when `act` is
  // given, and paid from the budget. False stops the scan.
  auto visit = [&](std::string cursor, const std::function<Status()>& act) {
    ++progress.pass.scanned;
    ++progress.total.scanned;
    progress.cursor = std::move(cursor);
    if (act) {
      failed = act();
      if (!failed.is_ok()) return false;
    }
    if (--budget == 0) {
      exhausted = false;
      return false;
    }
    return true;
  };
  if (progress.phase == 0) {
    SKY_RETURN_IF_ERROR(
        for_each_key(ctx, bucket, prefixes, progress.cursor,
                     [&](const std::string& key, const std::vector<ObjectRecord>& versions) {
                       std::function<Status()> act;
                       if (!plan_versions(config, key, versions, now).empty()) {
                         act = [&] { return apply_key(ctx, bucket, key, now, &progress); };
                       }
                       return visit(KeyCodec::prefix_end(keys::versions_of(bucket, key)), act);
                     }));
    SKY_RETURN_IF_ERROR(failed);
    if (!exhausted) {
      SKY_RETURN_IF_ERROR(save_progress(ctx, bucket, progress));
      return true;
    }
    progress.phase = 1;
    progress.cursor.clear();
  }
  if (progress.phase == 1 && aborts_uploads(config)) {
    SKY_RETURN_IF_ERROR(for_each_upload(ctx, bucket, prefixes, progress.cursor,
                                        [&](const std::string& meta_key, const std::string& key,
                                            const std::string& id, const UploadRecord& upload) {
                                          std::function<Status()> act;
                                          auto abort = plan_upload(config, key, id, upload, now);
                                          if (abort)
                                            act = [&] {
                                              return apply_upload(ctx, bucket, *abort, &progress);
                                            };
                                          return visit(meta_key, act);
                                        }));
    SKY_RETURN_IF_ERROR(failed);
    if (!exhausted) {
      SKY_RETURN_IF_ERROR(save_progress(ctx, bucket, progress));
      return true;
    }
  }
  progress.phase = 2;
  progress.cursor.clear();
  progress.pass_finished_ns = now;
  SKY_RETURN_IF_ERROR(save_progress(ctx, bucket, progress));
  return false;
}

Task<Result<std::vector<ObjectLifecycle::DryRunAction>>> ObjectLifecycle::dry_run(
    const Caller& caller, const std::string& bucket, size_t limit) {
  auto ctx = ctx_;
  co_return co_await ctx->runtime().blocking([&]() -> Result<std::vector<DryRunAction>> {
    SKY_ASSIGN_OR_RETURN(auto rec, ctx->load_bucket(caller, bucket));
    if (!rec.lifecycle) return Status::not_found("bucket '" + bucket + "' has no lifecycle rules");
    const LifecycleConfiguration& config = *rec.lifecycle;
    const int64_t now = ctx->clock().now_ns();
    const auto prefixes = lifecycle_prefixes(config);
    std::vector<DryRunAction> out;
    SKY_RETURN_IF_ERROR(for_each_key(
        *ctx, bucket, prefixes, "",
        [&](const std::string& key, const std::vector<ObjectRecord>& versions) {
          for (auto& a : plan_versions(config, key, versions, now)) {
            if (out.size() == limit) return false;
            const ObjectRecord* v = version_of(versions, a);
            const bool removes = a.kind != LifecycleAction::Kind::kExpireCurrent ||
                                 rec.versioning == VersioningState::kUnversioned;
            const bool locked = removes && v && !check_removable(*v, now, false).is_ok();
            out.push_back(DryRunAction{std::move(a), locked});
          }
          return out.size() < limit;
        }));
    if (out.size() < limit && aborts_uploads(config)) {
      SKY_RETURN_IF_ERROR(for_each_upload(*ctx, bucket, prefixes, "",
                                          [&](const std::string&, const std::string& key,
                                              const std::string& id, const UploadRecord& upload) {
                                            if (auto a =
                                                    plan_upload(config, key, id, upload, now)) {
                                              out.push_back(DryRunAction{std::move(*a), false});
                                            }
                                            return out.size() < limit;
                                          }));
    }
    return out;
  });
}

Task<Result<LifecycleStatus>> ObjectLifecycle::status() {
  auto ctx = ctx_;
  co_return co_await ctx->runtime().blocking([&]() -> Result<LifecycleStatus> {
    LifecycleStatus out;
    const int64_t today = day_of(ctx->clock().now_ns());
    auto it = ctx->meta().scan_prefix(MetaCf::kBuckets, keys::buckets_begin());
    for (it->seek_to_first(); it->valid(); it->next()) {
      std::string name;
      if (!keys::parse_bucket(it->key(), &name)) continue;
      SKY_ASSIGN_OR_RETURN(auto rec, BucketRecord::decode(it->value()));
      SKY_ASSIGN_OR_RETURN(auto progress, load_progress(*ctx, name));
      if (!rec.lifecycle && progress.pass_day < 0) continue;
      out.total.add(progress.total);
      if (rec.lifecycle && (!progress.done() || progress.pass_day != today)) ++out.passes_running;
      out.buckets.push_back({std::move(name), std::move(progress)});
    }
    SKY_RETURN_IF_ERROR(it->status());
    out.steps = steps_.load(std::memory_order_relaxed);
    out.errors = errors_.load(std::memory_order_relaxed);
    return out;
  });
}

}  // namespace skyarray::services
