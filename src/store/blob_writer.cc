// The streaming writer: cuts chunks, writes their replicas in parallel on the
// store's I/O threads, and digests the data in order on a strand, while the
// caller keeps sending. At most kMaxInflight chunks are being written, plus
// one filling and two spare buffers: memory stays under 7 chunks (56 MiB at
// the default 8 MiB) whatever the blob size.
#include <spdlog/spdlog.h>
#include <boost/asio/strand.hpp>
#include <deque>

#include "common/space_reserve.h"
#include "drives/chunk_file.h"
#include "store/blob_writer.h"
#include "store/store_core.h"

namespace skyarray {

namespace {

namespace asio = boost::asio;
constexpr size_t kMaxInflight = 4;
constexpr size_t kFirstBufferSize = 256 << 10;

struct Digests {
  std::unique_ptr<Checksum> md5;
  std::vector<std::unique_ptr<Checksum>> extra;
  uint32_t crc32c = 0;

  void update(const uint8_t* p, size_t n) {
    if (md5) md5->update(p, n);
    for (auto& c : extra) c->update(p, n);
    crc32c = skyarray::crc32c(crc32c, p, n);
  }
};

// One chunk on its way to disk. Shared by the jobs that write it.
struct Flush {
  uint64_t chunk_id = 0;
  Buffer data;
  ChunkOwner owner;  // written into each replica's header
  ChunkRecord record;
  Completion done;
  Mutex mu;
  int left GUARDED_BY(mu) = 0;  // jobs still running
  int replicas_ok GUARDED_BY(mu) = 0;
  Status error GUARDED_BY(mu);  // first failure that prevents the chunk
  // Set before the jobs start and by a failing one under `mu`; read once
  // the last job has finished.
  bool under = false;
  bool abandoned GUARDED_BY(mu) = false;  // writer gone: remove files when done
};

class ChunkedBlobWriter final : public BlobWriter {
 public:
  ChunkedBlobWriter(StoreCore* store, const WriteOptions& options)
      : store_(store),
        options_(options),
        replicas_(options.replicas > 0 ? options.replicas : store->options().replicas),
        digests_(std::make_shared<Digests>()) {
    if (options.compute_md5) {
      auto md5 = Checksum::create(ChecksumAlgorithm::kMd5);
      if (md5.is_ok()) {
        digests_->md5 = std::move(*md5);
      } else {
        init_error_ = md5.status();
      }
    }
    if (options.owner.size() > ChunkFile::kMaxOwnerSize) {
      init_error_ = Status::invalid_argument("blob owner tag longer than " +
                                             std::to_string(ChunkFile::kMaxOwnerSize) + " bytes");
    }
    for (auto a : options.checksums) {
      auto c = Checksum::create(a);
      if (c.is_ok())
        digests_->extra.push_back(std::move(*c));
      else
        init_error_ = c.status();
    }
  }

  ~ChunkedBlobWriter() override {
    if (!finished_) cleanup_now();
  }

  Task<Status> write(Buffer data) override {
    if (!init_error_.is_ok()) co_return init_error_;
    if (finished_ || !error_.is_ok()) co_return failed("write after finish or error");
    const uint8_t* p = data.data();
    size_t n = data.size();
    total_ += n;
    const uint64_t chunk_size = store_->options().chunk_size;
    while (n > 0) {
      if (cur_.room() == 0) {
        if (cur_.capacity() < chunk_size) {
          grow();
        } else {
          SKY_CO_RETURN_IF_ERROR(co_await flush_current());
          continue;
        }
      }
      size_t took = cur_.append(p, n);
      p += took;
      n -= took;
    }
    co_return Status();
  }

  Task<Result<WrittenBlob>> finish() override {
    if (!init_error_.is_ok()) co_return init_error_;
    if (finished_ || !error_.is_ok()) co_return failed("finish after finish or error");
    WrittenBlob out;
    if (written_.empty() && inflight_.empty() && total_ <= store_->options().inline_threshold) {
      digests_->update(cur_.data(), cur_.size());
      if (total_ > 0) out.ref = BlobRef::inline_bytes(std::string(cur_.view()));
    } else {
      if (!cur_.empty()) SKY_CO_RETURN_IF_ERROR(co_await flush_current());
      while (!inflight_.empty()) SKY_CO_RETURN_IF_ERROR(co_await wait_front());
      SKY_CO_RETURN_IF_ERROR(co_await sync_all());
      for (const auto& [id, rec] : written_) {
        out.ref.append(BlobRef::Segment(ChunkExtent{id, 0, rec.length}));
      }
      store_->add_pending(written_);
    }
    finished_ = true;
    cur_ = Buffer();
    spare_.clear();
    if (digests_->md5) out.digests.md5 = digests_->md5->finish();
    out.digests.crc32c = digests_->crc32c;
    for (auto& c : digests_->extra) out.digests.checksums.emplace_back(c->algorithm(), c->finish());
    out.under_replicated = under_;
    co_return out;
  }

  Task<void> abort() override {
    if (finished_) co_return;
    finished_ = true;
    while (!inflight_.empty()) {
      auto f = inflight_.front();
      inflight_.pop_front();
      if ((co_await f->done.wait()).is_ok()) written_.emplace_back(f->chunk_id, f->record);
    }
    auto doomed = std::move(written_);
    written_.clear();
    auto* store = store_;
    co_await store->io().run([&] {
      for (auto& [id, rec] : doomed) store->remove_replicas(id, rec.drives);
      return 0;
    });
  }

  uint64_t bytes_written() const override { return total_; }

 private:
  Status failed(std::string_view what) {
    return error_.is_ok() ? Status(StatusCode::kInvalidArgument, std::string(what)) : error_;
  }

  void grow() {
    size_t cap = std::max<size_t>(kFirstBufferSize, cur_.capacity() * 2);
    if (options_.expected_size && cur_.capacity() == 0) {
      cap = std::max<size_t>(4096, *options_.expected_size);
    }
    cap = std::min<size_t>(cap, store_->options().chunk_size);
    Buffer bigger(cap);
    bigger.append(cur_.data(), cur_.size());
    cur_ = std::move(bigger);
  }

  Task<Status> wait_front() {
    auto f = inflight_.front();
    inflight_.pop_front();
    Status s = co_await f->done.wait();
    if (!s.is_ok()) {
      error_ = s;
      co_await abort_after_error();
      co_return s;
    }
    under_ = under_ || f->under;
    written_.emplace_back(f->chunk_id, f->record);
    // Reuse the chunk buffer: a fresh 8 MiB allocation costs page faults and
    // zeroing on every chunk.
    if (f->data.capacity() == store_->options().chunk_size && spare_.size() < 2) {
      f->data.clear();
      spare_.push_back(std::move(f->data));
    }
    co_return Status();
  }

  // Makes every replica durable, all in parallel: the end_fsync of the
  // blob. A replica that fails to sync is dropped (the chunk is then
  // under-replicated); a chunk with no durable replica fails the write.
  Task<Status> sync_all() {
    struct Job {
      size_t chunk;
      uint32_t drive;
      Status status;
    };
    struct State {
      std::vector<Job> jobs;
      std::atomic<size_t> left{0};
      Completion done;
    };
    auto st = std::make_shared<State>();
    for (size_t c = 0; c < written_.size(); ++c) {
      for (uint32_t d : written_[c].second.drives) st->jobs.push_back({c, d, Status()});
    }
    if (st->jobs.empty()) co_return Status();
    st->left = st->jobs.size();
    auto* store = store_;
    for (size_t j = 0; j < st->jobs.size(); ++j) {
      store->io().post([st, store, j, id = written_[st->jobs[j].chunk].first] {
        Job& job = st->jobs[j];
        Drive* drive = store->drives().find(job.drive);
        job.status = drive ? ChunkFile::sync(*drive, id) : Status::unavailable("drive gone");
        if (!job.status.is_ok() && drive) drive->note_error(job.status);
        if (st->left.fetch_sub(1) == 1) st->done.set(Status());
      });
    }
    (void)co_await st->done.wait();
    Status first_error;
    for (const auto& job : st->jobs) {
      if (job.status.is_ok()) continue;
      auto& rec = written_[job.chunk].second;
      std::erase(rec.drives, job.drive);
      under_ = true;
      if (rec.drives.empty() && first_error.is_ok()) first_error = job.status;
    }
    if (!first_error.is_ok()) {
      error_ = first_error;
      co_await abort_after_error();
    }
    co_return first_error;
  }

  Task<void> abort_after_error() {
    while (!inflight_.empty()) {
      auto f = inflight_.front();
      inflight_.pop_front();
      Status s = co_await f->done.wait();
      if (s.is_ok()) written_.emplace_back(f->chunk_id, f->record);
    }
    cleanup_now();
  }

  // Removes replicas of completed chunks and marks running ones to clean up
  // after themselves. Never blocks.
  void cleanup_now() {
    for (auto& f : inflight_) {
      MutexLock lock(&f->mu);
      f->abandoned = true;
      if (f->left == 0) written_.emplace_back(f->chunk_id, f->record);
    }
    inflight_.clear();
    auto* store = store_;
    for (auto& [id, rec] : written_) {
      store->io().post([store, id = id, drives = rec.drives, n = rec.length] {
        store->remove_replicas(id, drives);
        (void)n;
      });
    }
    written_.clear();
  }

  Task<Status> flush_current() {
    if (inflight_.size() >= kMaxInflight) SKY_CO_RETURN_IF_ERROR(co_await wait_front());
    auto f = std::make_shared<Flush>();
    auto id = store_->new_chunk_id();
    if (!id.is_ok()) {
      error_ = id.status();
      co_await abort_after_error();
      co_return error_;
    }
    f->chunk_id = *id;
    f->owner.tag = options_.owner;
    f->owner.index = chunks_started_++;
    f->owner.offset = bytes_started_;
    bytes_started_ += cur_.size();
    f->data = std::move(cur_);
    if (!spare_.empty()) {
      cur_ = std::move(spare_.back());
      spare_.pop_back();
    } else {
      cur_ = Buffer(store_->options().chunk_size);
    }
    f->record.length = f->data.size();
    f->record.wanted = static_cast<uint32_t>(replicas_);

    auto decision = store_->place(replicas_, ChunkFile::file_size(f->record.length), /*holders=*/{},
                                  /*existing=*/{});
    if (!decision.is_ok()) {
      error_ = decision.status();
      co_await abort_after_error();
      co_return error_;
    }
    f->under = decision->under_replicated;
    if (decision->shares_node || decision->shares_enclosure)
      store_->counters().shared_domain_writes++;
    for (uint32_t id : decision->drive_ids) {
      Drive* d = store_->drives().find(id);
      Status s = d ? d->reserve(ChunkFile::file_size(f->record.length))
                   : Status::unavailable("drive vanished");
      if (!s.is_ok()) {
        for (uint32_t done_id : f->record.drives) {
          store_->drives().find(done_id)->release(ChunkFile::file_size(f->record.length));
        }
        error_ = s;
        co_await abort_after_error();
        co_return s;
      }
      f->record.drives.push_back(id);
    }
    start(f);
    inflight_.push_back(std::move(f));
    co_return Status();
  }

  // Launches the digest job (ordered, on the strand) and the replica jobs.
  void start(const std::shared_ptr<Flush>& f) {
    {
      MutexLock lock(&f->mu);
      f->left = 1 + static_cast<int>(f->record.drives.size());
    }
    auto* store = store_;
    asio::post(strand_, [f, d = digests_, store] {
      d->update(f->data.data(), f->data.size());
      finish_job(store, f, Status(), -1);
    });
    store->io().post([f, store] {
      f->record.block_crcs = ChunkFile::block_crcs(f->data.data(), f->data.size());
      for (size_t i = 0; i < f->record.drives.size(); ++i) {
        store->io().post([f, store, i] { write_replica(store, f, i); });
      }
    });
  }

  static void write_replica(StoreCore* store, const std::shared_ptr<Flush>& f, size_t i) {
    uint32_t drive_id = f->record.drives[i];
    Drive* drive = store->drives().find(drive_id);
    Status s = drive ? ChunkFile::write(*drive, f->chunk_id, f->data.data(), f->data.size(),
                                        f->record.block_crcs, /*durable=*/false, f->owner)
                     : Status::unavailable("drive vanished");
    if (!s.is_ok() && drive) {
      drive->release(ChunkFile::file_size(f->record.length));
      if (s.code() != StatusCode::kNoSpace) drive->note_error(s);
    }
    finish_job(store, f, s, static_cast<int>(i));
  }

  static void finish_job(StoreCore* store, const std::shared_ptr<Flush>& f, Status s, int replica) {
    bool last = false, abandoned = false;
    Status result;
    {
      MutexLock lock(&f->mu);
      if (replica >= 0) {
        if (s.is_ok()) {
          f->replicas_ok++;
          store->counters().bytes_written += f->record.length;
        } else {
          // A failed replica leaves the chunk under-replicated; the chunk is
          // still good as long as one replica was written.
          spdlog::warn("chunk {:016x}: replica on drive {} failed: {}", f->chunk_id,
                       f->record.drives[replica], s.to_string());
          f->record.drives[replica] = UINT32_MAX;
          f->under = true;
          if (f->error.is_ok()) f->error = s;
        }
      }
      last = --f->left == 0;
      abandoned = f->abandoned;
      if (last && f->replicas_ok == 0) result = f->error;
    }
    if (!last) return;
    std::erase(f->record.drives, UINT32_MAX);
    if (result.code() == StatusCode::kNoSpace) {
      // The OS's ENOSPC names a file; the client is told what is full.
      result = Status::no_space("no drive has room for the object's replicas: every copy of a " +
                                human_bytes(f->record.length) + " chunk failed for lack of space");
    }
    store->counters().chunks_written++;
    store->counters().foreground_bytes += f->record.length;
    if (f->under) store->counters().under_replicated_writes++;
    if (abandoned) {
      f->data = Buffer();
      store->remove_replicas(f->chunk_id, f->record.drives);
      return;
    }
    f->done.set(result);
  }

  StoreCore* store_;
  WriteOptions options_;
  int replicas_;
  std::shared_ptr<Digests> digests_;
  asio::strand<asio::thread_pool::executor_type> strand_ = store_->io().make_strand();
  Status init_error_;
  Status error_;
  Buffer cur_;
  uint64_t total_ = 0;
  uint64_t chunks_started_ = 0;  // chunks handed to flush_current so far
  uint64_t bytes_started_ = 0;   // blob bytes in them
  bool finished_ = false;
  bool under_ = false;
  std::deque<std::shared_ptr<Flush>> inflight_;
  std::vector<Buffer> spare_;  // written chunk buffers, reused
  std::vector<std::pair<uint64_t, ChunkRecord>> written_;
};

}  // namespace

std::unique_ptr<BlobWriter> make_blob_writer(StoreCore* store, const WriteOptions& options) {
  return std::make_unique<ChunkedBlobWriter>(store, options);
}

}  // namespace skyarray
