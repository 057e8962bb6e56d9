#include "services/cloud/cloud_sync.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/this_coro.hpp>
#include <random>

#include "common/checksum.h"
#include "common/runtime.h"
#include "common/time.h"
#include "meta/meta_store.h"
#include "services/cloud/cache_evictor.h"
#include "services/cloud/checkpoint_writer.h"
#include "services/cloud/cloud_counters.h"
#include "services/cloud/cloud_registry.h"
#include "services/cloud/journal_follower.h"
#include "services/cloud/journal_uploader.h"
#include "services/cloud/read_through.h"
#include "services/cloud/restore_job.h"
#include "services/cloud/system_caller.h"
#include "services/cloud/upload_digests.h"
#include "services/cloud/upload_dispatcher.h"
#include "services/cloud/upload_queue.h"

namespace skyarray::services {

namespace asio = boost::asio;

CloudSync::CloudSync(Runtime& rt, MetaStore& meta, ObjectService& objects, CloudRegistry& registry,
                     CloudTargetFactory factory, CloudSyncOptions options)
    : rt_(rt),
      meta_(meta),
      objects_(objects),
      registry_(registry),
      options_(options),
      queue_(std::make_shared<UploadQueue>(meta)),
      counters_(std::make_shared<CloudCounters>()),
      pool_(std::make_shared<CloudTargetPool>(rt, std::move(factory))) {
  const CloudParts parts{rt, registry, objects, queue_, pool_, counters_};
  dispatcher_ = std::make_shared<UploadDispatcher>(parts, options);
  journal_uploader_ = std::make_shared<JournalUploader>(parts);
  journal_follower_ = std::make_shared<JournalFollower>(parts);
  evictor_ = std::make_shared<CacheEvictor>(parts);
  read_through_ =
      std::make_shared<ReadThrough>(registry, objects, pool_, counters_, options.recache);
  checkpoints_ = std::make_shared<CheckpointWriter>(parts, options.checkpoint_part_size);
  RestoreJob::Options restore{options.prefetch_workers, options.prefetch_bandwidth,
                              options.checkpoint_part_size};
  restore_ = std::make_shared<RestoreJob>(parts, restore);
}

CloudSync::~CloudSync() = default;

// Each loop holds its component (the lambda's capture), so a loop still
// pending on the event loop never outlives what it runs on.
void CloudSync::start() {
  auto& io = rt_.io(0);
  const CloudSyncOptions& o = options_;
  asio::co_spawn(
      io, [c = dispatcher_]() { return c->run(); }, asio::detached);
  asio::co_spawn(
      io, [c = restore_]() { return c->resume(); }, asio::detached);
  asio::co_spawn(
      io, [c = journal_uploader_, s = o.journal_seconds]() { return c->run(s); }, asio::detached);
  asio::co_spawn(
      io, [c = journal_follower_, s = o.journal_seconds]() { return c->run(s); }, asio::detached);
  asio::co_spawn(
      io, [c = evictor_, s = o.evict_seconds]() { return c->run(s); }, asio::detached);
  if (o.checkpoint_seconds > 0) {
    asio::co_spawn(
        io, [c = checkpoints_, s = o.checkpoint_seconds]() { return c->run(s); }, asio::detached);
  }
}

Status CloudSync::stage_change(MetaBatch* batch, const std::string& bucket, const std::string& key,
                               uint64_t size) {
  auto link = registry_.link_of(bucket);
  if (!link || link->mode == LinkMode::kSubscribe) return Status::ok();
  queue_->stage(batch, bucket, key, size);
  return Status::ok();
}

Status CloudSync::check_writable(const Caller& caller, const std::string& bucket) {
  if (caller.system) return Status::ok();
  auto link = registry_.link_of(bucket);
  if (link && link->mode == LinkMode::kSubscribe) {
    return Status(
        StatusCode::kReadOnly,
        "bucket '" + bucket + "' is a read-only mirror of cloud target '" + link->target + "'");
  }
  return Status::ok();
}

Result<std::unique_ptr<ObjectReader>> CloudSync::open_evicted(const ObjectInfo& info,
                                                              uint64_t first, uint64_t length) {
  return read_through_->open(info, first, length);
}

void CloudSync::note_read(const Caller& caller, const std::string& bucket, const std::string& key) {
  if (caller.system) return;  // the tier's own reads (uploads) are not use
  evictor_->note_read(bucket, key);
}

Task<Status> CloudSync::add_target(const CloudTargetConfig& target, bool replace) {
  co_return co_await rt_.blocking([&] { return registry_.add_target(target, replace); });
}

Task<Status> CloudSync::remove_target(const std::string& name) {
  co_return co_await rt_.blocking([&] { return registry_.remove_target(name); });
}

std::vector<CloudTargetConfig> CloudSync::targets() const {
  return registry_.targets();
}

std::optional<CloudTargetConfig> CloudSync::target(const std::string& name) const {
  return registry_.target(name);
}

std::vector<CloudLink> CloudSync::links() const {
  return registry_.links();
}

Task<Status> CloudSync::link(const CloudLink& requested, bool initial_sync) {
  CloudLink link = requested;
  Caller sys = system_caller();
  auto bucket = co_await objects_.buckets().head_bucket(sys, link.bucket);
  SKY_CO_RETURN_IF_ERROR(bucket.status());
  link.lock_cloud_copy = false;
  if (bucket->object_lock.enabled) {
    Status lockable = co_await check_lockable(link);
    if (!lockable.is_ok() && !link.allow_unlocked_copy) co_return lockable;
    link.lock_cloud_copy = lockable.is_ok();
  }
  link.created_ns = to_ns(std::chrono::system_clock::now());
  SKY_CO_RETURN_IF_ERROR(co_await rt_.blocking([&] { return registry_.add_link(link); }));
  if (!initial_sync || link.mode == LinkMode::kSubscribe) co_return Status::ok();
  co_return co_await queue_existing(link.bucket);
}

Task<Status> CloudSync::check_lockable(const CloudLink& link) {
  auto cfg = registry_.target(link.target);
  if (!cfg) co_return Status::not_found("no cloud target '" + link.target + "'");
  auto& io = static_cast<asio::io_context&>((co_await asio::this_coro::executor).context());
  SKY_CO_ASSIGN_OR_RETURN(auto target, pool_->make(io, *cfg));
  auto lock = co_await target->object_lock();
  if (!lock.is_ok()) {
    co_return Status(lock.status().code(),
                     "cannot tell whether cloud target '" + link.target +
                         "' supports Object Lock: " + lock.status().message());
  }
  if (*lock == CloudObjectLock::kEnabled) co_return Status::ok();
  co_return Status(StatusCode::kConflict,
                   "bucket '" + link.bucket + "' has Object Lock but cloud target '" + link.target +
                       "' cannot lock objects (Object Lock " +
                       std::string(cloud_object_lock_name(*lock)) + " on cloud bucket '" +
                       cfg->bucket +
                       "'); link to a bucket created with Object Lock, or pass "
                       "--allow-unlocked-cloud-copy to keep unlocked cloud copies");
}

Task<Status> CloudSync::queue_existing(const std::string& bucket) {
  // Changes racing with this scan are queued by stage_change() as well (a
  // duplicate entry costs one check).
  Caller sys = system_caller();
  ListObjectsOptions list;
  list.max_keys = 1000;
  while (true) {
    auto page = co_await objects_.reads().list_objects(sys, bucket, list);
    SKY_CO_RETURN_IF_ERROR(page.status());
    Status st = co_await rt_.blocking([&] {
      MetaBatch batch;
      for (const auto& o : page->objects) queue_->stage(&batch, bucket, o.key, o.size);
      return batch.empty() ? Status::ok() : meta_.commit(std::move(batch));
    });
    SKY_CO_RETURN_IF_ERROR(st);
    if (!page->is_truncated) co_return Status::ok();
    list.continuation_token = page->next_continuation_token;
  }
}

Task<Status> CloudSync::unlink(const std::string& bucket) {
  co_return co_await rt_.blocking([&] {
    SKY_RETURN_IF_ERROR(registry_.remove_link(bucket));
    return queue_->drop_bucket(bucket);
  });
}

Task<Result<CloudSyncStatus>> CloudSync::status() {
  auto by_bucket = co_await rt_.blocking([&] { return queue_->stats_by_bucket(); });
  SKY_CO_RETURN_IF_ERROR(by_bucket.status());
  BacklogStats total;
  for (const auto& [bucket, b] : *by_bucket) {
    total.objects += b.objects;
    total.bytes += b.bytes;
    if (b.oldest_ns && (!total.oldest_ns || b.oldest_ns < total.oldest_ns))
      total.oldest_ns = b.oldest_ns;
  }
  CloudSyncStatus out = counters_->snapshot();
  out.backlog = total;
  out.alert = out.backlog.objects > options_.alert_backlog_objects;
  out.alert_backlog_objects = options_.alert_backlog_objects;
  for (const auto& l : registry_.links()) {
    CloudSyncStatus::PerLink pl{l.bucket, l.target, {}};
    if (auto it = by_bucket->find(l.bucket); it != by_bucket->end()) pl.backlog = it->second;
    out.links.push_back(std::move(pl));
  }
  co_return out;
}

Task<CloudSync::TargetTest> CloudSync::test_target(const CloudTargetConfig& cfg) {
  TargetTest out;
  std::vector<TestStep>& steps = out.steps;
  auto& io = static_cast<asio::io_context&>((co_await asio::this_coro::executor).context());
  auto made = pool_->make(io, cfg);
  if (!made.is_ok()) {
    steps.push_back({"configuration", false, made.status().to_string()});
    co_return out;
  }
  CloudTarget& t = **made;
  steps.push_back({"configuration", true, cfg.endpoint + " bucket " + cfg.bucket});
  std::string priv = cfg.private_prefix();
  std::string none;
  auto listed = co_await t.list(priv, none, none);
  steps.push_back({"reach and list", listed.is_ok(),
                   listed.is_ok() ? "listed " + priv : listed.status().to_string()});
  if (!listed.is_ok()) co_return out;
  std::string probe_key = priv + "probe-" + std::to_string(std::random_device{}());
  std::string body = "skyarray write probe\n";
  auto digests = upload_digests(body);
  if (!digests.is_ok()) {
    steps.push_back({"write", false, digests.status().to_string()});
    co_return out;
  }
  CloudObjectAttrs attrs;
  attrs.content_type = "text/plain";
  std::string sent = body;
  auto put = co_await t.put_object(probe_key, attrs, sent, digests->md5, digests->crc);
  steps.push_back({"write (checksums verified)", put.is_ok(),
                   put.is_ok() ? "wrote " + probe_key : put.status().to_string()});
  if (!put.is_ok()) co_return out;
  auto got = co_await t.get(probe_key, 0, 0);
  bool same = got.is_ok() && *got == body;
  steps.push_back(
      {"read", same,
       got.is_ok() ? (same ? "bytes match" : "bytes differ") : got.status().to_string()});
  Status del = co_await t.remove(probe_key);
  steps.push_back({"delete", del.is_ok(), del.is_ok() ? "removed probe" : del.to_string()});
  // Informational: a target without Object Lock is fine for buckets
  // without it (link() refuses it for a bucket with Object Lock).
  auto lock = co_await t.object_lock();
  if (lock.is_ok()) {
    out.object_lock = *lock;
    steps.push_back({"object lock", true,
                     std::string(cloud_object_lock_name(*lock)) + " on bucket " + cfg.bucket +
                         (*lock == CloudObjectLock::kEnabled
                              ? ""
                              : " (a bucket with Object Lock links here only with "
                                "--allow-unlocked-cloud-copy)")});
  } else {
    steps.push_back({"object lock", false, lock.status().to_string()});
  }
  co_return out;
}

Status CloudSync::start_restore(std::string target, std::string bucket, LinkMode mode,
                                std::string owner) {
  return restore_->start(std::move(target), std::move(bucket), mode, std::move(owner));
}

RestoreProgress CloudSync::restore_progress() const {
  return restore_->progress();
}

}  // namespace skyarray::services
