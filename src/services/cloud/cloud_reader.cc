#include "services/cloud/cloud_reader.h"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace skyarray::services {

namespace asio = boost::asio;

namespace {

constexpr uint64_t kFirstPiece = 256ull << 10;
constexpr uint64_t kReadPiece = 2ull << 20;
// GETs in flight after the first piece: the cloud keeps sending while the
// client takes earlier pieces, and a long round trip (a WAN) is covered by
// kFetchesAhead * kReadPiece bytes on their way.
constexpr size_t kFetchesAhead = 4;

// Waits (on the reader's loop) until `job` is done.
template <typename Job>
Task<void> wait_for(Job& job) {
  if (job.done) co_return;
  job.wake.expires_at(asio::steady_timer::time_point::max());
  co_await job.wake.async_wait(asio::as_tuple(asio::use_awaitable));
}

}  // namespace

// One ranged GET running ahead of the reader, on the reader's event loop.
struct CloudReader::Fetch {
  explicit Fetch(asio::io_context& io) : wake(io) {}
  uint64_t length = 0;
  bool done = false;
  Result<std::string> result = Status::unavailable("not fetched");
  asio::steady_timer wake;  // cancelled when done
};

// One piece being written to the local refill beside the client's reads.
struct CloudReader::RefillWrite {
  explicit RefillWrite(asio::io_context& io) : wake(io) {}
  bool done = false;
  Status status;
  asio::steady_timer wake;  // cancelled when done
};

CloudReader::CloudReader(std::shared_ptr<CloudTargetPool> pool,
                         std::shared_ptr<CloudCounters> counters, ObjectService& objects,
                         CloudTargetConfig cfg, ObjectInfo info, uint64_t first, uint64_t length,
                         bool recache)
    : pool_(std::move(pool)),
      counters_(std::move(counters)),
      objects_(objects),
      cfg_(std::move(cfg)),
      info_(std::move(info)),
      first_(first),
      length_(length),
      recache_(recache) {}

CloudReader::~CloudReader() = default;

Task<Result<Buffer>> CloudReader::read(size_t max_bytes) {
  if (pending_pos_ >= pending_.size()) {
    if (fetched_ >= length_) co_return Buffer();
    auto& io = static_cast<asio::io_context&>((co_await asio::this_coro::executor).context());
    SKY_CO_RETURN_IF_ERROR(co_await next_piece(io));
    co_await keep(io);
  }
  size_t n = std::min(pending_.size() - pending_pos_, std::max<size_t>(max_bytes, 1));
  Buffer out = Buffer::copy_of(std::string_view(pending_).substr(pending_pos_, n));
  pending_pos_ += n;
  co_return out;
}

Task<Status> CloudReader::next_piece(asio::io_context& io) {
  if (ahead_.empty()) SKY_CO_RETURN_IF_ERROR(start_fetch(io));
  std::shared_ptr<Fetch> f = std::move(ahead_.front());
  ahead_.pop_front();
  co_await wait_for(*f);
  SKY_CO_RETURN_IF_ERROR(f->result.status());
  pending_ = std::move(*f->result);
  pending_pos_ = 0;
  if (pending_.size() != f->length) {
    co_return Status::io_error("cloud returned " + std::to_string(pending_.size()) + " bytes of " +
                               cfg_.prefix + info_.key + ", expected " + std::to_string(f->length));
  }
  fetched_ += f->length;
  counters_->note_read_through(f->length);
  while (requested_ < length_ && ahead_.size() < kFetchesAhead) {
    SKY_CO_RETURN_IF_ERROR(start_fetch(io));
  }
  co_return Status::ok();
}

Status CloudReader::start_fetch(asio::io_context& io) {
  auto target = pool_->reader(io, cfg_);
  if (!target.is_ok()) return target.status();
  uint64_t n = std::min<uint64_t>(length_ - requested_, requested_ == 0 ? kFirstPiece : kReadPiece);
  auto f = std::make_shared<Fetch>(io);
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

// The piece goes after the previous piece's write (a writer takes its bytes
// in order); the last piece's write then commits the refill. The writes
// hold the writer, so a reader dropped meanwhile (client gone) leaves them
// to finish, and an uncommitted refill is discarded with the writer.
Task<void> CloudReader::keep(asio::io_context& io) {
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
    auto w = objects_.residency().refill_object(info_.bucket, info_.key, info_.etag);
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
      [job, w = refill_, data = Buffer::copy_of(pending_), last, counters = counters_,
       info = info_]() mutable -> Task<void> {
        job->status = co_await w->write(std::move(data));
        if (!job->status.is_ok()) {
          co_await w->abort();
        } else if (last) {
          auto done = co_await w->commit();
          if (done.is_ok()) {
            counters->note_recached(info.size);
          } else if (done.status().code() != StatusCode::kPreconditionFailed) {
            spdlog::warn("re-caching {}/{}: {}", info.bucket, info.key, done.status().to_string());
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

}  // namespace skyarray::services
