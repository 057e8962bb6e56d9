// Cache mode: local bytes of a bucket kept under its watermark by evicting
// the least recently read objects whose cloud copy is current, and reads of
// evicted objects served from the cloud.
//
// An object is evicted only when the upload of that very version (by ETag)
// was verified by the cloud and recorded (UploadQueue "synced"), no newer
// work is queued for its key, and its latest version still has that ETag
// (checked under the key's lock by ObjectService::evict_object). Pinned
// prefixes stay.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <deque>

#include "services/cloud/cloud_sync_state.h"

namespace skyarray::services {

namespace asio = boost::asio;

namespace {

constexpr uint64_t kFirstPiece = 256ull << 10;
constexpr uint64_t kReadPiece = 2ull << 20;
// GETs in flight after the first piece: the cloud keeps sending while the
// client takes earlier pieces, and a long round trip (a WAN) is covered by
// kFetchesAhead * kReadPiece bytes on their way.
constexpr size_t kFetchesAhead = 4;

int64_t wall_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// One ranged GET running ahead of the reader, on the reader's event loop.
struct CloudFetch {
  explicit CloudFetch(asio::io_context& io) : wake(io) {}
  uint64_t length = 0;
  bool done = false;
  Result<std::string> result = Status::unavailable("not fetched");
  asio::steady_timer wake;  // cancelled when done
};

// One piece being written to the local refill beside the client's reads.
struct RefillWrite {
  explicit RefillWrite(asio::io_context& io) : wake(io) {}
  bool done = false;
  Status status;
  asio::steady_timer wake;  // cancelled when done
};

// Waits (on the reader's loop) until `job` is done.
template <typename Job>
Task<void> wait_for(Job& job) {
  if (job.done) co_return;
  job.wake.expires_at(asio::steady_timer::time_point::max());
  co_await job.wake.async_wait(asio::as_tuple(asio::use_awaitable));
}

// Streams a range of an evicted object with ranged GETs on the reader's own
// event loop. A reader of the whole object may also store the bytes locally
// again as they pass (`recache`): each piece is written beside the client's
// reads (the response waits for a local write only when the next piece
// arrives before the previous one is written), the refill commits once the
// last piece is written, and is dropped if the client goes away before.
class CloudReader : public ObjectReader {
 public:
  CloudReader(std::shared_ptr<CloudSync::State> state, CloudTargetConfig cfg, ObjectInfo info,
              uint64_t first, uint64_t length, bool recache)
      : state_(std::move(state)),
        cfg_(std::move(cfg)),
        info_(std::move(info)),
        first_(first),
        length_(length),
        recache_(recache) {}

  const ObjectInfo& info() const override { return info_; }
  uint64_t range_first() const override { return first_; }
  uint64_t range_length() const override { return length_; }

  // The first GET is small (time to first byte) and goes alone; once it
  // arrives, up to kFetchesAhead larger GETs stay in flight, buffered here,
  // so the cloud sends while the client receives.
  Task<Result<Buffer>> read(size_t max_bytes) override {
    if (pending_pos_ >= pending_.size()) {
      if (fetched_ >= length_) co_return Buffer();
      auto& io = static_cast<asio::io_context&>((co_await asio::this_coro::executor).context());
      if (ahead_.empty()) SKY_CO_RETURN_IF_ERROR(start_fetch(io));
      std::shared_ptr<CloudFetch> f = std::move(ahead_.front());
      ahead_.pop_front();
      co_await wait_for(*f);
      SKY_CO_RETURN_IF_ERROR(f->result.status());
      pending_ = std::move(*f->result);
      pending_pos_ = 0;
      if (pending_.size() != f->length) {
        co_return Status::io_error("cloud returned " + std::to_string(pending_.size()) +
                                   " bytes of " + cfg_.prefix + info_.key + ", expected " +
                                   std::to_string(f->length));
      }
      fetched_ += f->length;
      {
        std::lock_guard lock(state_->mu);
        state_->counters.read_through_bytes += f->length;
      }
      while (requested_ < length_ && ahead_.size() < kFetchesAhead) {
        SKY_CO_RETURN_IF_ERROR(start_fetch(io));
      }
      co_await keep(io);
    }
    size_t n = std::min(pending_.size() - pending_pos_, std::max<size_t>(max_bytes, 1));
    Buffer out = Buffer::copy_of(std::string_view(pending_).substr(pending_pos_, n));
    pending_pos_ += n;
    co_return out;
  }

 private:
  // Starts the GET of the next piece (onto ahead_). A fetch the reader no longer
  // waits for (client gone) finishes on its own and is dropped.
  Status start_fetch(asio::io_context& io) {
    auto target = state_->read_target(io, cfg_);
    if (!target.is_ok()) return target.status();
    uint64_t n =
        std::min<uint64_t>(length_ - requested_, requested_ == 0 ? kFirstPiece : kReadPiece);
    auto f = std::make_shared<CloudFetch>(io);
    f->length = n;
    ahead_.push_back(f);
    std::string key = cfg_.prefix + info_.key;
    uint64_t at = first_ + requested_;
    requested_ += n;
    asio::co_spawn(
        io,
        [f, t = std::move(*target), key, at, n]() -> Task<void> {
          f->result = co_await t->get(key, at, n);
          f->done = true;
          f->wake.cancel();
        },
        asio::detached);
    return Status::ok();
  }

  std::shared_ptr<CloudSync::State> state_;
  CloudTargetConfig cfg_;
  ObjectInfo info_;
  uint64_t first_;
  uint64_t length_;
  uint64_t fetched_ = 0;                           // bytes received
  uint64_t requested_ = 0;                         // bytes asked for (fetched_ + ahead_)
  std::deque<std::shared_ptr<CloudFetch>> ahead_;  // in request order
  std::string pending_;
  size_t pending_pos_ = 0;
  bool recache_;
  std::shared_ptr<ObjectWriter> refill_;
  std::shared_ptr<RefillWrite> writing_;  // the previous piece's write

  // Starts writing the piece just fetched to the refill, after the previous
  // piece's write (a writer takes its bytes in order); the last piece's
  // write then commits the refill. The writes hold the writer, so a reader
  // dropped meanwhile (client gone) leaves them to finish, and an
  // uncommitted refill is discarded with the writer.
  Task<void> keep(asio::io_context& io) {
    if (!recache_) co_return;
    if (writing_) {
      co_await wait_for(*writing_);
      bool ok = writing_->status.is_ok();
      writing_.reset();
      if (!ok) {
        recache_ = false;
        refill_.reset();
        co_return;
      }
    }
    if (!refill_) {
      auto w = state_->objects.refill_object(info_.bucket, info_.key, info_.etag);
      if (!w.is_ok()) {
        recache_ = false;
        co_return;
      }
      refill_ = std::move(*w);
    }
    bool last = fetched_ >= length_;
    auto job = std::make_shared<RefillWrite>(io);
    asio::co_spawn(
        io,
        [job, w = refill_, data = Buffer::copy_of(pending_), last, state = state_,
         info = info_]() mutable -> Task<void> {
          job->status = co_await w->write(std::move(data));
          if (!job->status.is_ok()) {
            co_await w->abort();
          } else if (last) {
            auto done = co_await w->commit();
            if (done.is_ok()) {
              std::lock_guard lock(state->mu);
              state->counters.recached_objects++;
              state->counters.recached_bytes += info.size;
            } else if (done.status().code() != StatusCode::kPreconditionFailed) {
              spdlog::warn("re-caching {}/{}: {}", info.bucket, info.key,
                           done.status().to_string());
            }
          }
          job->done = true;
          job->wake.cancel();
        },
        asio::detached);
    writing_ = std::move(job);
    if (last) {
      recache_ = false;
      refill_.reset();
      writing_.reset();
    }
  }
};

}  // namespace

Result<std::unique_ptr<ObjectReader>> CloudSync::open_evicted(const ObjectInfo& info,
                                                              uint64_t first, uint64_t length) {
  auto link = state_->registry.link_of(info.bucket);
  if (!link) {
    return Status::unavailable("bucket '" + info.bucket +
                               "' holds evicted objects but has no cloud link");
  }
  auto cfg = state_->registry.target(link->target);
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
  bool recache = whole && fits && state_->recache_on_read(info.bucket, info.key);
  return std::unique_ptr<ObjectReader>(new CloudReader(state_, *cfg, info, first, length, recache));
}

bool CloudSync::State::recache_on_read(const std::string& bucket, const std::string& key) {
  switch (options.recache) {
    case CloudSyncOptions::Recache::kNever:
      return false;
    case CloudSyncOptions::Recache::kOnRead:
      return true;
    case CloudSyncOptions::Recache::kOnSecondRead: {
      std::lock_guard lock(access_mu);
      if (evicted_reads.size() > 100000) evicted_reads.clear();  // bounded memory
      int& n = evicted_reads[UploadQueue::id(bucket, key)];
      if (++n < 2) return false;
      evicted_reads.erase(UploadQueue::id(bucket, key));
      return true;
    }
  }
  return false;
}

void CloudSync::note_read(const Caller& caller, const std::string& bucket, const std::string& key) {
  if (caller.system) return;  // the tier's own reads (uploads) are not use
  std::lock_guard lock(state_->access_mu);
  state_->last_access[UploadQueue::id(bucket, key)] = wall_ns();
}

Result<std::shared_ptr<CloudTarget>> CloudSync::State::read_target(asio::io_context& io,
                                                                   const CloudTargetConfig& cfg) {
  std::string fp = cfg.endpoint + '\n' + cfg.bucket + '\n' + cfg.access_key + '\n' +
                   cfg.secret_key + '\n' + cfg.region + '\n' + cfg.encryption_key_id;
  std::lock_guard lock(readers_mu);
  auto& slot = read_targets[{static_cast<void*>(&io), cfg.name}];
  if (!slot.second || slot.first != fp) {
    SKY_ASSIGN_OR_RETURN(auto t, factory(io, cfg));
    slot = {fp, std::shared_ptr<CloudTarget>(std::move(t))};
  }
  return slot.second;
}

Task<void> CloudSync::State::evict_pass() {
  auto self = shared_from_this();
  for (const auto& link : registry.links()) {
    if (link.mode != LinkMode::kCache || link.cache_bytes == 0) continue;
    Status st = co_await evict_link(link);
    if (!st.is_ok()) {
      note_error(st);
      spdlog::warn("cache eviction in {}: {}", link.bucket, st.to_string());
    }
  }
  evict_running = false;
}

Task<Status> CloudSync::State::evict_link(const CloudLink& link) {
  struct Candidate {
    std::string key;
    std::string etag;
    uint64_t size;
    int64_t used_ns;
  };
  Caller sys = system_caller();
  ListObjectsOptions list;
  uint64_t resident = 0;
  std::vector<Candidate> candidates;
  while (true) {
    auto page = co_await objects.list_objects(sys, link.bucket, list);
    SKY_CO_RETURN_IF_ERROR(page.status());
    std::lock_guard lock(access_mu);
    for (const auto& o : page->objects) {
      if (o.evicted) continue;
      resident += o.size;
      bool pinned = std::any_of(link.pins.begin(), link.pins.end(),
                                [&](const std::string& p) { return o.key.starts_with(p); });
      if (pinned) continue;
      auto it = last_access.find(UploadQueue::id(link.bucket, o.key));
      int64_t used = it != last_access.end() ? it->second
                                             : std::chrono::duration_cast<std::chrono::nanoseconds>(
                                                   o.last_modified.time_since_epoch())
                                                   .count();
      candidates.push_back({o.key, o.etag, o.size, used});
    }
    if (!page->is_truncated) break;
    list.continuation_token = page->next_continuation_token;
  }
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
    // Only objects whose cloud copy is current: this very version's upload
    // was verified, and nothing newer is queued for the key.
    auto synced = co_await rt.blocking([&] { return queue.synced_etag(link.bucket, c.key); });
    SKY_CO_RETURN_IF_ERROR(synced.status());
    if (!*synced || **synced != c.etag) continue;
    auto queued = co_await rt.blocking([&] { return queue.entries_of(link.bucket, c.key); });
    SKY_CO_RETURN_IF_ERROR(queued.status());
    if (*queued) continue;
    Status st = co_await objects.evict_object(link.bucket, c.key, c.etag);
    if (st.code() == StatusCode::kPreconditionFailed) continue;
    SKY_CO_RETURN_IF_ERROR(st);
    resident -= c.size;
    ++evicted;
    evicted_bytes += c.size;
  }
  if (evicted) {
    {
      std::lock_guard lock(mu);
      counters.evicted_objects += evicted;
      counters.evicted_bytes += evicted_bytes;
    }
    spdlog::info("cache {}: evicted {} objects ({} bytes), {} bytes resident", link.bucket, evicted,
                 evicted_bytes, resident);
  }
  co_return Status::ok();
}

}  // namespace skyarray::services
