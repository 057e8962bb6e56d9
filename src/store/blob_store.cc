#include "store/blob_store.h"

#include <spdlog/spdlog.h>
#include <algorithm>
#include <chrono>

#include "meta/key_codec.h"
#include "store/blob_reader.h"
#include "store/blob_writer.h"
#include "store/meta_protection.h"
#include "store/rebuilder.h"
#include "store/scrubber.h"
#include "store/store_core.h"

namespace skyarray {

void BlobStore::background_loop() {
  using Clock = std::chrono::steady_clock;
  const StoreOptions& options = core_->options();
  auto next_checkpoint =
      Clock::now() + std::chrono::duration_cast<Clock::duration>(
                         std::chrono::duration<double>(options.checkpoint_interval_seconds));
  MutexLock lock(&bg_mu_);
  while (!bg_stop_) {
    bg_cv_.wait_for(std::chrono::duration<double>(options.gc_interval_seconds));
    if (bg_stop_) break;
    lock.unlock();
    if (!core_->startup_saved()) {
      if (Status s = core_->save_startup(); s.is_ok())
        spdlog::info("metadata has room again: chunk writes resume");
    }
    if (auto r = collect_garbage(); !r.is_ok()) {
      spdlog::warn("garbage collection: {}", r.status().to_string());
    }
    if ((options.checkpoint_interval_seconds > 0 && Clock::now() >= next_checkpoint) ||
        protection_->wants_checkpoint()) {
      if (Status s = checkpoint(); !s.is_ok()) {
        spdlog::warn("metadata checkpoint: {}", s.to_string());
      }
      next_checkpoint =
          Clock::now() + std::chrono::duration_cast<Clock::duration>(
                             std::chrono::duration<double>(options.checkpoint_interval_seconds));
    }
    lock.lock();
  }
}

// ---- BlobStore

BlobStore::BlobStore(std::unique_ptr<StoreCore> core) : core_(std::move(core)) {}

BlobStore::~BlobStore() {
  scrubber_.reset();  // stop() and join: they use the I/O threads and metadata
  rebuilder_.reset();
  {
    MutexLock lock(&bg_mu_);
    bg_stop_ = true;
  }
  bg_cv_.signal_all();
  if (bg_.joinable()) bg_.join();
  protection_.reset();
  core_.reset();  // joins the I/O threads: every job has finished
}

Result<std::unique_ptr<BlobStore>> BlobStore::open(const StoreOptions& options, MetaStore* meta) {
  if (options.chunk_size < StoreOptions::kMinChunkSize ||
      options.chunk_size > StoreOptions::kMaxChunkSize) {
    return Status::invalid_argument("store chunk_size out of range");
  }
  SKY_ASSIGN_OR_RETURN(auto core, StoreCore::open(options, meta));
  std::unique_ptr<BlobStore> store(new BlobStore(std::move(core)));
  if (auto gc = store->collect_garbage(); !gc.is_ok()) {
    if (gc.status().code() != StatusCode::kNoSpace) return gc.status();
    spdlog::error("garbage collection at open: {}", gc.status().message());
  }
  store->start_workers();
  spdlog::info("store open: array {}, {} drives, {} orphan files removed",
               store->drives().array_id(), store->drives().drives().size(),
               store->core_->counters().orphans_removed.load());
  return store;
}

void BlobStore::start_workers() {
  const StoreOptions& options = core_->options();
  protection_ =
      std::make_unique<MetaProtection>(&core_->meta(), &core_->drives(), options.checkpoint_copies);
  protection_->open();
  rebuilder_ = std::make_unique<Rebuilder>(core_.get());
  scrubber_ = std::make_unique<Scrubber>(core_.get(), rebuilder_.get());
  // Chunks on drives that are offline or draining now need new homes
  // whether or not the queue already says so (a drive may have vanished
  // while the array was down).
  std::vector<uint32_t> away;
  for (Drive* d : core_->drives().drives()) {
    if (d->state() == DriveState::kOffline || d->state() == DriveState::kDraining) {
      away.push_back(d->id());
    }
  }
  if (auto q = rebuilder_->enqueue_drives(away); !q.is_ok()) {
    spdlog::warn("queueing chunks of unavailable drives: {}", q.status().to_string());
  } else if (*q > 0) {
    spdlog::info("{} chunks on offline or draining drives queued for re-replication", *q);
  }
  if (options.background) {
    bg_ = std::thread([this] { background_loop(); });
    rebuilder_->start();
    scrubber_->start();
  }
}

std::unique_ptr<BlobWriter> BlobStore::new_writer(const WriteOptions& options) {
  return make_blob_writer(core_.get(), options);
}

Result<std::unique_ptr<BlobReader>> BlobStore::new_reader(const BlobRef& ref, uint64_t offset,
                                                          uint64_t length) {
  if (offset > ref.size()) {
    return Status(StatusCode::kOutOfRange, "read offset " + std::to_string(offset) +
                                               " beyond blob of " + std::to_string(ref.size()));
  }
  length = std::min(length, ref.size() - offset);
  SKY_ASSIGN_OR_RETURN(BlobRef range, ref.slice(offset, length));
  return make_blob_reader(core_.get(), std::move(range));
}

Task<Result<std::string>> BlobStore::read_all(const BlobRef& ref) {
  auto reader = new_reader(ref);
  if (!reader.is_ok()) co_return reader.status();
  std::string out;
  out.reserve(ref.size());
  for (;;) {
    auto buf = co_await (*reader)->read(4 << 20);
    if (!buf.is_ok()) co_return buf.status();
    if (buf->empty()) break;
    out.append(buf->view());
  }
  co_return out;
}

Status BlobStore::stage_commit(MetaBatch* batch, const BlobRef& ref) {
  return core_->stage_commit(batch, ref);
}

void BlobStore::stage_release(MetaBatch* batch, const BlobRef& ref) {
  core_->stage_release(batch, ref);
}

void BlobStore::discard(const BlobRef& ref) {
  core_->discard(ref);
}

Result<uint64_t> BlobStore::collect_garbage() {
  return core_->collect_garbage();
}

Status BlobStore::checkpoint() {
  return protection_->checkpoint();
}

MetaProtectionStatus BlobStore::meta_protection() const {
  return protection_->status();
}

DriveSet& BlobStore::drives() {
  return core_->drives();
}

Result<uint32_t> BlobStore::add_drive(const DriveConfig& config) {
  SKY_ASSIGN_OR_RETURN(Drive * d, core_->drives().add(config));
  SKY_RETURN_IF_ERROR(core_->recover_drive(*d));
  MetaBatch batch;
  batch.put(MetaCf::kDrives, "next_drive_id", std::to_string(core_->drives().next_drive_id()));
  batch.put(MetaCf::kDrives, KeyCodec("drive/").add_u64(d->id()).key(),
            d->path() + "\n" + d->label().to_string());
  SKY_RETURN_IF_ERROR(core_->meta().commit(std::move(batch)));
  return d->id();
}

StoreStats BlobStore::stats() const {
  StoreStats s;
  for (Drive* d : core_->drives().drives()) {
    DriveReport r;
    r.id = d->id();
    r.path = d->path();
    r.label = d->label().to_string();
    r.state = d->state();
    r.reason = d->state_reason();
    r.space = d->space();
    r.errors = d->error_count();
    r.checksum_errors = d->checksum_error_count();
    s.drives.push_back(std::move(r));
  }
  s.array = core_->drives().space();
  const StoreCounters& c = core_->counters();
  s.chunks_written = c.chunks_written;
  s.bytes_written = c.bytes_written;
  s.under_replicated_writes = c.under_replicated_writes;
  s.shared_domain_writes = c.shared_domain_writes;
  s.read_failovers = c.read_failovers;
  s.checksum_mismatches = c.checksum_mismatches;
  s.chunks_collected = c.chunks_collected;
  s.orphans_removed = c.orphans_removed;
  s.replicas_repaired = c.replicas_repaired;
  s.data_loss_reads = c.data_loss_reads;
  s.lost = core_->losses();
  VerifiedChunkCache::Stats v = core_->verified().stats();
  s.verified_cache_hits = v.hits;
  s.verified_cache_bytes = v.bytes_held;
  return s;
}

void BlobStore::set_owner_names(std::shared_ptr<const ChunkOwnerNames> names) {
  core_->set_owner_names(std::move(names));
}

const StoreOptions& BlobStore::options() const {
  return core_->options();
}

}  // namespace skyarray
