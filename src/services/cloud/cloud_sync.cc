#include "services/cloud/cloud_sync.h"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <random>

#include "common/config.h"
#include "meta/meta_store.h"
#include "services/cloud/cloud_registry.h"
#include "services/cloud/cloud_sync_state.h"

namespace skyarray::services {

namespace asio = boost::asio;

namespace {

Task<void> sleep_until(SteadyTime t) {
  asio::steady_timer timer(co_await asio::this_coro::executor, t);
  co_await timer.async_wait(asio::use_awaitable);
}

// Full jitter: uniform in [0, min(max, base * 2^attempts)].
std::chrono::milliseconds backoff(const CloudSyncOptions& o, int attempts) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  double cap = std::min(o.retry_max_seconds, o.retry_base_seconds * std::pow(2.0, attempts));
  std::uniform_real_distribution<double> d(cap / 4, cap);
  return std::chrono::milliseconds(static_cast<int64_t>(d(rng) * 1000));
}

bool is_outage(const Status& s) {
  return s.code() == StatusCode::kUnavailable || s.code() == StatusCode::kTimeout;
}

std::string fingerprint(const CloudTargetConfig& c) {
  return c.endpoint + '\n' + c.region + '\n' + c.bucket + '\n' + (c.path_style ? "p" : "v") + '\n' +
         c.access_key + '\n' + c.secret_key + '\n' + c.ca_file + (c.flexible_checksums ? "c" : "") +
         '\n' + c.encryption_key_id;
}

}  // namespace

Result<CloudSyncOptions> CloudSyncOptions::from_config(const ConfigSection& s) {
  CloudSyncOptions o;
  int64_t workers = o.workers;
  SKY_RETURN_IF_ERROR(s.read("workers", &workers, 1, 256));
  o.workers = static_cast<uint32_t>(workers);
  SKY_RETURN_IF_ERROR(
      s.read_size("multipart_threshold", &o.multipart_threshold, 5ull << 20, 5ull << 30));
  SKY_RETURN_IF_ERROR(s.read_size("part_size", &o.part_size, 5ull << 20, 5ull << 30));
  SKY_RETURN_IF_ERROR(s.read_seconds("retry_base", &o.retry_base_seconds, 0.01, 3600));
  SKY_RETURN_IF_ERROR(s.read_seconds("retry_max", &o.retry_max_seconds, 0.01, 86400));
  int64_t alert = static_cast<int64_t>(o.alert_backlog_objects);
  SKY_RETURN_IF_ERROR(s.read("alert_backlog_objects", &alert, 1, int64_t(1) << 40));
  o.alert_backlog_objects = static_cast<uint64_t>(alert);
  SKY_RETURN_IF_ERROR(s.read_seconds("poll_interval", &o.poll_seconds, 0.01, 60));
  SKY_RETURN_IF_ERROR(s.read_seconds("journal_interval", &o.journal_seconds, 0.05, 3600));
  SKY_RETURN_IF_ERROR(s.read_seconds("evict_interval", &o.evict_seconds, 0.05, 3600));
  int64_t prefetch_workers = o.prefetch_workers;
  SKY_RETURN_IF_ERROR(s.read("prefetch_workers", &prefetch_workers, 1, 64));
  o.prefetch_workers = static_cast<uint32_t>(prefetch_workers);
  SKY_RETURN_IF_ERROR(s.read_size("prefetch_bandwidth", &o.prefetch_bandwidth, 0, 1ull << 40));
  SKY_RETURN_IF_ERROR(s.read_seconds("checkpoint_interval", &o.checkpoint_seconds, 0, 86400 * 7));
  SKY_RETURN_IF_ERROR(
      s.read_size("checkpoint_part_size", &o.checkpoint_part_size, 5ull << 20, 64ull << 20));
  std::string recache = "on-read";
  SKY_RETURN_IF_ERROR(s.read("recache", &recache));
  if (recache == "never") {
    o.recache = Recache::kNever;
  } else if (recache == "on-read") {
    o.recache = Recache::kOnRead;
  } else if (recache == "on-second-read") {
    o.recache = Recache::kOnSecondRead;
  } else {
    return Status::invalid_argument("[cloud] recache is never, on-read or on-second-read, not '" +
                                    recache + "'");
  }
  return o;
}

CloudSync::CloudSync(Runtime& rt, MetaStore& meta, ObjectService& objects, CloudRegistry& registry,
                     CloudTargetFactory factory, CloudSyncOptions options)
    : state_(std::make_shared<State>(rt, meta, objects, registry, std::move(factory), options)) {}

CloudSync::~CloudSync() = default;

void CloudSync::start() {
  auto st = state_;
  asio::co_spawn(
      st->rt.io(0), [st]() -> Task<void> { co_await st->dispatch_loop(); }, asio::detached);
  asio::co_spawn(
      st->rt.io(0), [st]() -> Task<void> { co_await st->resume_restore(); }, asio::detached);
}

Status CloudSync::stage_change(MetaBatch* batch, const std::string& bucket, const std::string& key,
                               uint64_t size) {
  auto link = state_->registry.link_of(bucket);
  if (!link || link->mode == LinkMode::kSubscribe) return Status::ok();
  state_->queue.stage(batch, bucket, key, size);
  return Status::ok();
}

Status CloudSync::check_writable(const Caller& caller, const std::string& bucket) {
  if (caller.system) return Status::ok();
  auto link = state_->registry.link_of(bucket);
  if (link && link->mode == LinkMode::kSubscribe) {
    return Status(
        StatusCode::kReadOnly,
        "bucket '" + bucket + "' is a read-only mirror of cloud target '" + link->target + "'");
  }
  return Status::ok();
}

Task<Status> CloudSync::add_target(const CloudTargetConfig& target, bool replace) {
  State& s = *state_;
  co_return co_await s.rt.blocking([&] { return s.registry.add_target(target, replace); });
}

Task<Status> CloudSync::remove_target(const std::string& name) {
  State& s = *state_;
  co_return co_await s.rt.blocking([&] { return s.registry.remove_target(name); });
}

std::vector<CloudTargetConfig> CloudSync::targets() const {
  return state_->registry.targets();
}

std::optional<CloudTargetConfig> CloudSync::target(const std::string& name) const {
  return state_->registry.target(name);
}

std::vector<CloudLink> CloudSync::links() const {
  return state_->registry.links();
}

Task<Status> CloudSync::link(const CloudLink& requested, bool initial_sync) {
  CloudLink link = requested;
  State& s = *state_;
  Caller sys = system_caller();
  SKY_CO_RETURN_IF_ERROR((co_await s.objects.head_bucket(sys, link.bucket)).status());
  link.created_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
  SKY_CO_RETURN_IF_ERROR(co_await s.rt.blocking([&] { return s.registry.add_link(link); }));
  if (!initial_sync || link.mode == LinkMode::kSubscribe) co_return Status::ok();
  // Queue what the bucket already holds; changes racing with this scan are
  // queued by the hook as well (a duplicate entry costs one check).
  ListObjectsOptions list;
  list.max_keys = 1000;
  while (true) {
    auto page = co_await s.objects.list_objects(sys, link.bucket, list);
    SKY_CO_RETURN_IF_ERROR(page.status());
    Status st = co_await s.rt.blocking([&] {
      MetaBatch batch;
      for (const auto& o : page->objects) s.queue.stage(&batch, link.bucket, o.key, o.size);
      return batch.empty() ? Status::ok() : s.meta.commit(std::move(batch));
    });
    SKY_CO_RETURN_IF_ERROR(st);
    if (!page->is_truncated) break;
    list.continuation_token = page->next_continuation_token;
  }
  co_return Status::ok();
}

Task<Status> CloudSync::unlink(const std::string& bucket) {
  State& s = *state_;
  co_return co_await s.rt.blocking([&] {
    SKY_RETURN_IF_ERROR(s.registry.remove_link(bucket));
    return s.queue.drop_bucket(bucket);
  });
}

Task<Result<CloudSyncStatus>> CloudSync::status() {
  State& s = *state_;
  auto by_bucket = co_await s.rt.blocking([&] { return s.queue.stats_by_bucket(); });
  SKY_CO_RETURN_IF_ERROR(by_bucket.status());
  BacklogStats total;
  for (const auto& [bucket, b] : *by_bucket) {
    total.objects += b.objects;
    total.bytes += b.bytes;
    if (b.oldest_ns && (!total.oldest_ns || b.oldest_ns < total.oldest_ns))
      total.oldest_ns = b.oldest_ns;
  }
  std::lock_guard lock(s.mu);
  CloudSyncStatus out = s.counters;
  out.backlog = total;
  auto horizon = std::chrono::steady_clock::now() - std::chrono::seconds(10);
  uint64_t recent = 0;
  for (const auto& [t, n] : s.recent_uploads) {
    if (t >= horizon) recent += n;
  }
  out.upload_rate = static_cast<double>(recent) / 10.0;
  out.alert = out.backlog.objects > s.options.alert_backlog_objects;
  out.alert_backlog_objects = s.options.alert_backlog_objects;
  for (const auto& l : s.registry.links()) {
    CloudSyncStatus::PerLink pl{l.bucket, l.target, {}};
    if (auto it = by_bucket->find(l.bucket); it != by_bucket->end()) pl.backlog = it->second;
    out.links.push_back(std::move(pl));
  }
  co_return out;
}

Task<std::vector<CloudSync::TestStep>> CloudSync::test_target(const CloudTargetConfig& cfg) {
  std::vector<TestStep> steps;
  auto& io = static_cast<asio::io_context&>((co_await asio::this_coro::executor).context());
  auto made = state_->factory(io, cfg);
  if (!made.is_ok()) {
    steps.push_back({"configuration", false, made.status().to_string()});
    co_return steps;
  }
  CloudTarget& t = **made;
  steps.push_back({"configuration", true, cfg.endpoint + " bucket " + cfg.bucket});
  std::string priv = private_prefix(cfg);
  std::string none;
  auto listed = co_await t.list(priv, none, none);
  steps.push_back({"reach and list", listed.is_ok(),
                   listed.is_ok() ? "listed " + priv : listed.status().to_string()});
  if (!listed.is_ok()) co_return steps;
  std::string probe_key = priv + "probe-" + std::to_string(std::random_device{}());
  std::string body = "skyarray write probe\n";
  auto md5 = Checksum::create(ChecksumAlgorithm::kMd5);
  if (!md5.is_ok()) {
    steps.push_back({"write", false, md5.status().to_string()});
    co_return steps;
  }
  (*md5)->update(body);
  std::string md5_digest = (*md5)->finish();
  CloudObjectAttrs attrs;
  attrs.content_type = "text/plain";
  std::string sent = body;
  auto put = co_await t.put_object(probe_key, attrs, sent, md5_digest,
                                   crc32c(0, body.data(), body.size()));
  steps.push_back({"write (checksums verified)", put.is_ok(),
                   put.is_ok() ? "wrote " + probe_key : put.status().to_string()});
  if (!put.is_ok()) co_return steps;
  auto got = co_await t.get(probe_key, 0, 0);
  bool same = got.is_ok() && *got == body;
  steps.push_back(
      {"read", same,
       got.is_ok() ? (same ? "bytes match" : "bytes differ") : got.status().to_string()});
  Status del = co_await t.remove(probe_key);
  steps.push_back({"delete", del.is_ok(), del.is_ok() ? "removed probe" : del.to_string()});
  co_return steps;
}

// ------------------------------------------------------------ workers

Result<CloudSync::State::TargetSlot*> CloudSync::State::slot_for(const CloudTargetConfig& cfg) {
  TargetSlot& slot = targets[cfg.name];
  std::string fp = fingerprint(cfg);
  if (!slot.target || slot.fingerprint != fp) {
    SKY_ASSIGN_OR_RETURN(auto t, factory(rt.io(0), cfg));
    slot.target = std::move(t);
    slot.fingerprint = fp;
  }
  return &slot;
}

Task<void> CloudSync::State::throttle(TargetSlot& slot, const CloudTargetConfig& cfg,
                                      uint64_t bytes) {
  if (cfg.bandwidth == 0) co_return;
  auto now = std::chrono::steady_clock::now();
  auto start = std::max(now, slot.next_free);
  slot.next_free = start + std::chrono::microseconds(bytes * 1000000 / cfg.bandwidth);
  if (start > now) co_await sleep_until(start);
}

void CloudSync::State::note_upload(uint64_t bytes, uint64_t objects) {
  std::lock_guard lock(mu);
  counters.uploaded_objects += objects;
  counters.uploaded_bytes += bytes;
  auto now = std::chrono::steady_clock::now();
  recent_uploads.emplace_back(now, bytes);
  while (!recent_uploads.empty() && recent_uploads.front().first < now - std::chrono::seconds(10))
    recent_uploads.pop_front();
}

void CloudSync::State::note_error(const Status& s) {
  std::lock_guard lock(mu);
  counters.errors++;
  counters.last_error = s.to_string();
}

Task<void> CloudSync::State::dispatch_loop() {
  auto self = shared_from_this();
  auto last_alert_check = std::chrono::steady_clock::now();
  auto last_journal = last_alert_check;
  auto last_evict = last_alert_check;
  auto last_checkpoint = last_alert_check;
  bool alerted = false;
  while (!rt.stopping()) {
    auto now = std::chrono::steady_clock::now();
    size_t uploading = in_flight.size() - std::min<size_t>(finishing, options.workers);
    size_t room = options.workers > uploading ? options.workers - uploading : 0;
    if (room > 0) {
      std::vector<std::string> skip(in_flight.begin(), in_flight.end());
      for (const auto& [id, r] : retries) {
        if (r.not_before > now) skip.push_back(id);
      }
      auto keys = co_await rt.blocking([&] { return queue.next_keys(room, skip, dispatch_after); });
      if (!keys.is_ok()) {
        spdlog::error("cloud queue scan: {}", keys.status().to_string());
      } else {
        for (auto& k : *keys) {
          dispatch_after = UploadQueue::id(k.bucket, k.key);
          in_flight.insert(dispatch_after);
          asio::co_spawn(rt.io(0), process(std::move(k)), asio::detached);
        }
      }
    }
    if (now - last_journal >= std::chrono::milliseconds(int64_t(options.journal_seconds * 1000))) {
      last_journal = now;
      start_journal_work();
    }
    if (now - last_evict >= std::chrono::milliseconds(int64_t(options.evict_seconds * 1000)) &&
        !evict_running) {
      last_evict = now;
      evict_running = true;
      asio::co_spawn(rt.io(0), evict_pass(), asio::detached);
    }
    if (options.checkpoint_seconds > 0 && !checkpoint_running &&
        now - last_checkpoint >=
            std::chrono::milliseconds(int64_t(options.checkpoint_seconds * 1000))) {
      last_checkpoint = now;
      checkpoint_running = true;
      asio::co_spawn(rt.io(0), checkpoint_pass(), asio::detached);
    }
    if (now - last_alert_check > std::chrono::seconds(10)) {
      last_alert_check = now;
      auto st = co_await rt.blocking([&] { return queue.stats(); });
      bool over = st.is_ok() && st->objects > options.alert_backlog_objects;
      if (over && !alerted) {
        spdlog::warn("cloud backlog alert: {} objects ({} bytes) waiting, threshold {}",
                     st->objects, st->bytes, options.alert_backlog_objects);
      }
      alerted = over;
    }
    if (dispatch_woken) {
      dispatch_woken = false;
      continue;
    }
    asio::steady_timer timer(co_await asio::this_coro::executor);
    timer.expires_after(std::chrono::milliseconds(int64_t(options.poll_seconds * 1000)));
    wake_dispatch = [&timer] { timer.cancel(); };
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));  // cancelled: woken
    wake_dispatch = nullptr;
    dispatch_woken = false;
  }
}

Task<void> CloudSync::State::process(QueuedKey k) {
  auto self = shared_from_this();
  std::string id = UploadQueue::id(k.bucket, k.key);
  Status st = co_await sync_key(k.bucket, k.key);
  if (st.is_ok()) {
    retries.erase(id);
  } else {
    Retry& r = retries[id];
    auto delay = backoff(options, r.attempts++);
    r.not_before = std::chrono::steady_clock::now() + delay;
    note_error(st);
    spdlog::warn("cloud sync of {}/{} failed (attempt {}, retry in {} ms): {}", k.bucket, k.key,
                 r.attempts, delay.count(), st.to_string());
  }
  in_flight.erase(id);
  wake();
}

void CloudSync::State::wake() {
  if (wake_dispatch) {
    wake_dispatch();
  } else {
    dispatch_woken = true;
  }
}

Task<Status> CloudSync::State::sync_key(const std::string& bucket, const std::string& key) {
  auto entries = co_await rt.blocking([&] { return queue.entries_of(bucket, key); });
  SKY_CO_RETURN_IF_ERROR(entries.status());
  if (!*entries) co_return Status::ok();
  uint64_t max_seq = (*entries)->max_seq;
  auto link = registry.link_of(bucket);
  if (!link || link->mode == LinkMode::kSubscribe) {
    co_return co_await rt.blocking([&] { return queue.finish(bucket, key, max_seq); });
  }
  auto cfg = registry.target(link->target);
  if (!cfg) co_return Status::not_found("cloud target '" + link->target + "' is gone");
  auto now_s = std::chrono::duration_cast<std::chrono::seconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
  if (!cfg->in_window(now_s)) co_return Status::unavailable("outside the upload window");
  SKY_CO_ASSIGN_OR_RETURN(TargetSlot * slot, slot_for(*cfg));
  if (slot->not_before > std::chrono::steady_clock::now())
    co_return Status::unavailable("cloud target '" + cfg->name + "' is backing off");

  std::string cloud_key = cfg->prefix + key;
  Caller sys = system_caller();
  GetOptions get;
  auto info = co_await objects.head_object(sys, bucket, key, get);
  Status st;
  boost::json::object line{{"v", 1}, {"seq", max_seq}, {"key", key}};
  if (!info.is_ok() && (info.status().code() == StatusCode::kNotFound ||
                        info.status().code() == StatusCode::kBucketNotFound)) {
    st = co_await slot->target->remove(cloud_key);
    line["op"] = "delete";
    if (st.is_ok()) {
      std::lock_guard lock(mu);
      counters.deleted_objects++;
    }
  } else if (!info.is_ok()) {
    st = info.status();
  } else {
    st = co_await upload(*slot, *cfg, *info, cloud_key);
    line["op"] = "put";
    line["size"] = info->size;
    line["etag"] = info->etag;
  }
  if (!st.is_ok()) {
    if (is_outage(st)) {
      slot->failures++;
      slot->not_before = std::chrono::steady_clock::now() + backoff(options, slot->failures);
    }
    co_return st;
  }
  slot->failures = 0;
  std::string journal_line = boost::json::serialize(line);
  std::optional<std::string> synced;
  if (info.is_ok()) synced = info->etag;
  ++finishing;
  wake();
  Status done = co_await rt.blocking(
      [&] { return queue.finish(bucket, key, max_seq, cfg->name, journal_line, synced); });
  --finishing;
  co_return done;
}

}  // namespace skyarray::services
