#include "services/cloud/upload_dispatcher.h"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cmath>
#include <random>

#include "common/runtime.h"
#include "services/cloud/cloud_journal.h"
#include "services/cloud/system_caller.h"

namespace skyarray::services {

namespace asio = boost::asio;

namespace {

constexpr auto kAlertCheckInterval = std::chrono::seconds(10);

bool is_outage(const Status& s) {
  return s.code() == StatusCode::kUnavailable || s.code() == StatusCode::kTimeout;
}

}  // namespace

UploadDispatcher::UploadDispatcher(const CloudParts& parts, const CloudSyncOptions& options)
    : parts_(parts),
      uploader_(parts, ObjectUploader::Options{options.multipart_threshold, options.part_size}),
      workers_(options.workers),
      retry_base_seconds_(options.retry_base_seconds),
      retry_max_seconds_(options.retry_max_seconds),
      alert_backlog_objects_(options.alert_backlog_objects),
      poll_seconds_(options.poll_seconds) {}

// Full jitter: uniform in [cap / 4, cap], cap = min(max, base * 2^attempts).
std::chrono::milliseconds UploadDispatcher::backoff(int attempts) const {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  double cap = std::min(retry_max_seconds_, retry_base_seconds_ * std::pow(2.0, attempts));
  std::uniform_real_distribution<double> d(cap / 4, cap);
  return std::chrono::milliseconds(static_cast<int64_t>(d(rng) * 1000));
}

Task<void> UploadDispatcher::run() {
  auto self = shared_from_this();
  auto last_alert_check = std::chrono::steady_clock::now();
  bool alerted = false;
  while (!parts_.rt.stopping()) {
    co_await fill_slots();
    auto now = std::chrono::steady_clock::now();
    if (now - last_alert_check > kAlertCheckInterval) {
      last_alert_check = now;
      co_await check_backlog(&alerted);
    }
    co_await idle();
  }
}

Task<void> UploadDispatcher::fill_slots() {
  size_t uploading = in_flight_.size() - std::min<size_t>(finishing_, workers_);
  size_t room = workers_ > uploading ? workers_ - uploading : 0;
  if (room == 0) co_return;
  auto now = std::chrono::steady_clock::now();
  std::vector<std::string> skip(in_flight_.begin(), in_flight_.end());
  for (const auto& [id, r] : retries_) {
    if (r.not_before > now) skip.push_back(id);
  }
  auto keys = co_await parts_.rt.blocking(
      [&] { return parts_.queue->next_keys(room, skip, dispatch_after_); });
  if (!keys.is_ok()) {
    spdlog::error("cloud queue scan: {}", keys.status().to_string());
    co_return;
  }
  for (auto& k : *keys) {
    dispatch_after_ = UploadQueue::id(k.bucket, k.key);
    in_flight_.insert(dispatch_after_);
    asio::co_spawn(parts_.rt.io(0), process(std::move(k)), asio::detached);
  }
}

Task<void> UploadDispatcher::check_backlog(bool* alerted) {
  auto st = co_await parts_.rt.blocking([&] { return parts_.queue->stats(); });
  bool over = st.is_ok() && st->objects > alert_backlog_objects_;
  if (over && !*alerted) {
    spdlog::warn("cloud backlog alert: {} objects ({} bytes) waiting, threshold {}", st->objects,
                 st->bytes, alert_backlog_objects_);
  }
  *alerted = over;
}

Task<void> UploadDispatcher::idle() {
  if (dispatch_woken_) {
    dispatch_woken_ = false;
    co_return;
  }
  asio::steady_timer timer(co_await asio::this_coro::executor);
  timer.expires_after(std::chrono::milliseconds(int64_t(poll_seconds_ * 1000)));
  wake_dispatch_ = [&timer] { timer.cancel(); };
  co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));  // cancelled: woken
  wake_dispatch_ = nullptr;
  dispatch_woken_ = false;
}

void UploadDispatcher::wake() {
  if (wake_dispatch_) {
    wake_dispatch_();
  } else {
    dispatch_woken_ = true;
  }
}

Task<void> UploadDispatcher::process(QueuedKey k) {
  auto self = shared_from_this();
  std::string id = UploadQueue::id(k.bucket, k.key);
  Status st = co_await sync_key(k.bucket, k.key);
  if (st.is_ok()) {
    retries_.erase(id);
  } else {
    Retry& r = retries_[id];
    auto delay = backoff(r.attempts++);
    r.not_before = std::chrono::steady_clock::now() + delay;
    parts_.counters->note_error(st);
    spdlog::warn("cloud sync of {}/{} failed (attempt {}, retry in {} ms): {}", k.bucket, k.key,
                 r.attempts, delay.count(), st.to_string());
  }
  in_flight_.erase(id);
  wake();
}

Task<Status> UploadDispatcher::sync_key(const std::string& bucket, const std::string& key) {
  auto entries = co_await parts_.rt.blocking([&] { return parts_.queue->entries_of(bucket, key); });
  SKY_CO_RETURN_IF_ERROR(entries.status());
  if (!*entries) co_return Status::ok();
  uint64_t max_seq = (*entries)->max_seq;
  auto link = parts_.registry.link_of(bucket);
  if (!link || link->mode == LinkMode::kSubscribe) {
    co_return co_await parts_.rt.blocking(
        [&] { return parts_.queue->finish(bucket, key, max_seq); });
  }
  auto cfg = parts_.registry.target(link->target);
  if (!cfg) co_return Status::not_found("cloud target '" + link->target + "' is gone");
  auto now_s = std::chrono::duration_cast<std::chrono::seconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
  if (!cfg->in_window(now_s)) co_return Status::unavailable("outside the upload window");
  SKY_CO_ASSIGN_OR_RETURN(CloudTargetPool::Slot * slot, parts_.pool->slot(*cfg));
  if (slot->not_before > std::chrono::steady_clock::now())
    co_return Status::unavailable("cloud target '" + cfg->name + "' is backing off");

  std::optional<std::string> synced;
  auto line = co_await push_key(*slot, *cfg, bucket, key, max_seq, &synced);
  if (!line.is_ok()) {
    if (is_outage(line.status())) {
      slot->failures++;
      slot->not_before = std::chrono::steady_clock::now() + backoff(slot->failures);
    }
    co_return line.status();
  }
  slot->failures = 0;
  ++finishing_;
  wake();
  Status done = co_await parts_.rt.blocking(
      [&] { return parts_.queue->finish(bucket, key, max_seq, cfg->name, *line, synced); });
  --finishing_;
  co_return done;
}

Task<Result<std::string>> UploadDispatcher::push_key(CloudTargetPool::Slot& slot,
                                                     const CloudTargetConfig& cfg,
                                                     const std::string& bucket,
                                                     const std::string& key, uint64_t max_seq,
                                                     std::optional<std::string>* synced) {
  std::string cloud_key = cfg.prefix + key;
  Caller sys = system_caller();
  GetOptions get;
  auto info = co_await parts_.objects.reads().head_object(sys, bucket, key, get);
  CloudJournalLine line;
  line.seq = max_seq;
  line.key = key;
  if (!info.is_ok() && (info.status().code() == StatusCode::kNotFound ||
                        info.status().code() == StatusCode::kBucketNotFound)) {
    // The cloud copy is of a version that may still be protected by Object
    // Lock (a delete marker hid it): it stays in the cloud, whose copy is
    // then the only one a restore could bring back.
    auto kept = co_await parts_.objects.versions().has_protected_version(sys, bucket, key);
    if (kept.is_ok() && *kept) {
      spdlog::info("cloud copy of {}/{} kept: a version is under Object Lock", bucket, key);
    } else {
      if (!kept.is_ok() && kept.status().code() != StatusCode::kBucketNotFound) {
        co_return kept.status();
      }
      SKY_CO_RETURN_IF_ERROR(co_await slot.target->remove(cloud_key));
      parts_.counters->note_deleted();
    }
    line.op = CloudJournalLine::Op::kDelete;
  } else if (!info.is_ok()) {
    co_return info.status();
  } else {
    SKY_CO_RETURN_IF_ERROR(co_await uploader_.upload(slot, cfg, *info, cloud_key));
    line.op = CloudJournalLine::Op::kPut;
    line.size = info->size;
    line.etag = info->etag;
    *synced = info->etag;
  }
  co_return line.encode();
}

}  // namespace skyarray::services
