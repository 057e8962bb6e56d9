#include "store/blob_store.h"

#include <dirent.h>
#include <unistd.h>

#include <spdlog/spdlog.h>
#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <chrono>
#include <filesystem>
#include <random>

#include "common/file_util.h"
#include "drives/chunk_file.h"
#include "meta/key_codec.h"
#include "store/blob_store_impl.h"
#include "store/meta_protection.h"
#include "store/rebuilder.h"
#include "store/replica_check.h"
#include "store/scrubber.h"

namespace skyarray {

namespace fs = std::filesystem;

namespace {

std::string random_array_id() {
  std::random_device rd;
  std::string id;
  const char* hex = "0123456789abcdef";
  for (int i = 0; i < 32; ++i) id.push_back(hex[rd() % 16]);
  return id;
}

Result<uint64_t> read_number(MetaStore* meta, std::string_view key, uint64_t fallback) {
  SKY_ASSIGN_OR_RETURN(auto v, meta->get(MetaCf::kDrives, key));
  if (!v) return fallback;
  return std::stoull(*v);
}

// "chunk <id hex> of <object name>", or "chunk <id hex>" when unnamed.
std::string chunk_text(uint64_t chunk_id, const std::string& name) {
  return fmt::format("chunk {:016x}{}{}", chunk_id, name.empty() ? "" : " of ", name);
}

}  // namespace

// ---- StoreCore

Result<uint64_t> StoreCore::new_chunk_id() {
  if (!startup_saved.load(std::memory_order_acquire)) {
    return Status::no_space(
        "the metadata volume is full: the array cannot record new chunks until it has room");
  }
  return next_chunk_id.fetch_add(1);
}

Status StoreCore::save_startup() {
  std::lock_guard lock(startup_mu);
  if (startup_saved.load()) return Status();
  MetaBatch batch;
  // Small, and needed for any write at all: it may use the reserve.
  batch.set_admission(MetaAdmission::kRelease);
  batch.put(MetaCf::kDrives, "array", array_id);
  batch.put(MetaCf::kDrives, "chunk_epoch", std::to_string(epoch));
  batch.put(MetaCf::kDrives, "next_drive_id", std::to_string(drives->next_drive_id()));
  for (Drive* d : drives->drives()) {
    if (d->state() == DriveState::kOffline) continue;
    batch.put(MetaCf::kDrives, KeyCodec("drive/").add_u64(d->id()).key(),
              d->path() + "\n" + d->label().to_string());
  }
  SKY_RETURN_IF_ERROR(meta->commit(std::move(batch)));
  startup_saved.store(true, std::memory_order_release);
  return Status();
}

std::vector<PlacementCandidate> StoreCore::candidates() const {
  std::vector<PlacementCandidate> out;
  for (Drive* d : drives->drives()) {
    if (d->state() == DriveState::kOffline) continue;
    PlacementCandidate c;
    c.drive_id = d->id();
    c.label = d->label();
    c.weight = d->weight();
    c.writable = d->writable();
    c.available = c.writable ? d->space().available : 0;
    out.push_back(std::move(c));
  }
  return out;
}

Result<ChunkRecord> StoreCore::chunk_record(uint64_t chunk_id) {
  {
    std::lock_guard lock(pending_mu);
    if (auto it = pending.find(chunk_id); it != pending.end()) return it->second;
  }
  SKY_ASSIGN_OR_RETURN(auto v, meta->get(MetaCf::kChunks, ChunkRecord::record_key(chunk_id)));
  if (!v) return Status::not_found("chunk " + std::to_string(chunk_id) + " has no record");
  return ChunkRecord::decode(*v);
}

void StoreCore::remove_replicas(uint64_t chunk_id, const std::vector<uint32_t>& drive_ids) {
  verified->forget(chunk_id);
  for (uint32_t id : drive_ids) {
    if (Drive* d = drives->find(id)) d->release(ChunkFile::remove(*d, chunk_id));
  }
}

void StoreCore::repair_replica(uint64_t chunk_id, const ChunkRecord& record, uint32_t good,
                               uint32_t bad) {
  {
    std::lock_guard lock(repair_mu);
    if (!repairing.insert(chunk_id).second) return;  // already being repaired
  }
  Drive* from = drives->find(good);
  Drive* to = drives->find(bad);
  Status s = from && to ? Status() : Status::unavailable("drive gone");
  Buffer data(std::max<uint64_t>(record.length, 1));
  if (s.is_ok()) {
    data.resize(record.length);
    s = ChunkFile::read(*from, chunk_id, 0, record.length, data.data());
  }
  if (s.is_ok() && ChunkFile::block_crcs(data.data(), data.size()) != record.block_crcs) {
    s = Status::corruption("source replica failed its checksum too");
  }
  if (s.is_ok()) {
    // The copy keeps naming the chunk's owner, as the replicas' sound
    // headers give it: the source's own header may be the damaged one, and
    // the bad replica's header may be intact.
    std::vector<Drive*> holders;
    for (uint32_t id : record.drives) {
      if (Drive* d = drives->find(id)) holders.push_back(d);
    }
    ChunkOwner owner = ReplicaCheck::owner_of(chunk_id, record, holders).value_or(ChunkOwner());
    s = ChunkFile::write(*to, chunk_id, data.data(), data.size(), record.block_crcs,
                         /*durable=*/true, owner);
  }
  if (s.is_ok()) {
    // The chunk may have been collected meanwhile: then the new file is an
    // orphan; remove it now rather than at the next startup.
    auto v = meta->get(MetaCf::kChunks, ChunkRecord::record_key(chunk_id));
    if (v.is_ok() && !v->has_value()) ChunkFile::remove(*to, chunk_id);
    counters.replicas_repaired++;
    spdlog::info("{}: replica on drive {} repaired from drive {}", describe_chunk(chunk_id), bad,
                 good);
  } else {
    spdlog::warn("{}: repair of replica on drive {} failed: {}", describe_chunk(chunk_id), bad,
                 s.to_string());
  }
  std::lock_guard lock(repair_mu);
  repairing.erase(chunk_id);
}

std::string StoreCore::object_name(uint64_t chunk_id, const ChunkOwner* owner) {
  std::shared_ptr<const ChunkOwnerNames> namer;
  {
    std::lock_guard lock(names_mu);
    namer = names;
  }
  if (!namer) return "";
  std::optional<ChunkOwner> found;
  if (owner == nullptr) {
    auto rec = chunk_record(chunk_id);
    if (!rec.is_ok()) return "";
    std::vector<Drive*> holders;
    for (uint32_t id : rec->drives) {
      if (Drive* d = drives->find(id)) holders.push_back(d);
    }
    found = ReplicaCheck::owner_of(chunk_id, *rec, holders);
    if (!found) return "";
    owner = &*found;
  }
  return namer->name(chunk_id, *owner);
}

std::string StoreCore::describe_chunk(uint64_t chunk_id, const ChunkOwner* owner) {
  return chunk_text(chunk_id, object_name(chunk_id, owner));
}

std::string StoreCore::record_loss(uint64_t chunk_id, const std::string& detail, bool by_read,
                                   const ChunkOwner* owner) {
  if (by_read) counters.data_loss_reads++;
  std::string name = object_name(chunk_id, owner);
  std::string what = chunk_text(chunk_id, name);
  if (losses->record(chunk_id, name, detail, by_read)) {
    spdlog::error("data loss: {}: {}", what, detail);
  } else if (by_read) {
    spdlog::warn("a read failed on the known data loss in {}: {}", what, detail);
  }
  return what;
}

Status StoreCore::recover() {
  for (Drive* d : drives->drives()) {
    if (!d->writable()) {
      // A read-only or foreign drive is never cleaned: only counted.
      continue;
    }
    Status s = recover_drive(*d);
    if (!s.is_ok()) {
      d->note_error(s);
      spdlog::error("recovery of drive {} ({}): {}", d->id(), d->path(), s.to_string());
    }
  }
  return Status();
}

// Removes temp files, and chunk files that no record places on this drive.
Status StoreCore::recover_drive(Drive& drive) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(drive.tmp_dir(), ec)) {
    fs::remove(e.path(), ec);
    counters.orphans_removed++;
  }
  SKY_RETURN_IF_ERROR(FileUtil::make_dirs(drive.tmp_dir()));
  SKY_RETURN_IF_ERROR(FileUtil::make_dirs(drive.chunk_dir()));
  uint64_t used = 0;
  for (const auto& sub : fs::directory_iterator(drive.chunk_dir(), ec)) {
    if (!sub.is_directory()) continue;
    for (const auto& f : fs::directory_iterator(sub.path(), ec)) {
      uint64_t id = 0;
      std::string name = f.path().filename().string();
      bool referenced = false;
      if (ChunkFile::parse_name(name, &id)) {
        SKY_ASSIGN_OR_RETURN(auto v, meta->get(MetaCf::kChunks, ChunkRecord::record_key(id)));
        if (v) {
          SKY_ASSIGN_OR_RETURN(auto rec, ChunkRecord::decode(*v));
          referenced =
              std::find(rec.drives.begin(), rec.drives.end(), drive.id()) != rec.drives.end();
        }
      } else if (name.find('.') == std::string::npos) {
        continue;  // not ours: leave it
      }
      if (referenced) {
        used += f.file_size(ec);
      } else {
        spdlog::info("recovery: removing unreferenced chunk file {}", f.path().string());
        fs::remove(f.path(), ec);
        counters.orphans_removed++;
      }
    }
  }
  drive.set_used(used);
  return Status();
}

void StoreCore::background_loop() {
  using Clock = std::chrono::steady_clock;
  auto next_checkpoint =
      Clock::now() + std::chrono::duration_cast<Clock::duration>(
                         std::chrono::duration<double>(options.checkpoint_interval_seconds));
  std::unique_lock lock(bg_mu);
  while (!bg_stop) {
    bg_cv.wait_for(lock, std::chrono::duration<double>(options.gc_interval_seconds));
    if (bg_stop) break;
    lock.unlock();
    BlobStore* self = owner;
    if (!startup_saved.load()) {
      if (Status s = save_startup(); s.is_ok())
        spdlog::info("metadata has room again: chunk writes resume");
    }
    if (auto r = self->collect_garbage(); !r.is_ok()) {
      spdlog::warn("garbage collection: {}", r.status().to_string());
    }
    if ((options.checkpoint_interval_seconds > 0 && Clock::now() >= next_checkpoint) ||
        protection->wants_checkpoint()) {
      if (Status s = self->checkpoint(); !s.is_ok()) {
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
  core_->scrubber.reset();  // stop() and join: they use the I/O threads and metadata
  core_->rebuilder.reset();
  {
    std::lock_guard lock(core_->bg_mu);
    core_->bg_stop = true;
  }
  core_->bg_cv.notify_all();
  if (core_->bg.joinable()) core_->bg.join();
  core_->io.reset();  // joins the I/O threads: every job has finished
}

Result<std::unique_ptr<BlobStore>> BlobStore::open(const StoreOptions& options, MetaStore* meta) {
  if (options.chunk_size < StoreOptions::kMinChunkSize ||
      options.chunk_size > StoreOptions::kMaxChunkSize) {
    return Status::invalid_argument("store chunk_size out of range");
  }
  auto core = std::make_unique<StoreCore>();
  core->options = options;
  core->meta = meta;

  SKY_ASSIGN_OR_RETURN(auto array, meta->get(MetaCf::kDrives, "array"));
  // Before anything else reads or commits: commits RocksDB lost with its
  // unsynced log tail (power loss) come back from the journal
  // (store/meta_protection.h). A new database has no journal to follow; a
  // database opened read-only (full metadata volume) takes no commit.
  if (array && !meta->read_only()) {
    SKY_RETURN_IF_ERROR(
        MetaProtection::replay_at_open(meta, options.effective_drives(), *array).status());
  }
  std::string array_id = array ? *array : random_array_id();
  SKY_ASSIGN_OR_RETURN(uint64_t epoch, read_number(meta, "chunk_epoch", 0));
  SKY_ASSIGN_OR_RETURN(uint64_t next_drive, read_number(meta, "next_drive_id", 0));
  ++epoch;
  core->next_chunk_id = epoch << 32;
  core->gc_seq = epoch << 32;  // GC entries stay unique across restarts too

  std::map<std::string, uint32_t> known;
  for (auto it = meta->scan_prefix(MetaCf::kDrives, "drive/"); it->valid(); it->next()) {
    std::string_view v = it->value();
    KeyReader r(it->key());
    uint64_t id = 0;
    if (!r.skip_raw("drive/") || !r.read_u64(&id)) continue;
    known.emplace(std::string(v.substr(0, v.find('\n'))), static_cast<uint32_t>(id));
  }
  SKY_ASSIGN_OR_RETURN(core->drives,
                       DriveSet::open(options.effective_drives(), array_id,
                                      static_cast<uint32_t>(next_drive), options.reserve, known));
  core->array_id = array_id;
  core->epoch = epoch;
  if (Status s = core->save_startup(); !s.is_ok()) {
    // A full metadata volume: start anyway and serve reads.
    if (s.code() != StatusCode::kNoSpace) return s;
    spdlog::error("store open: {}; no chunk is written until it has room", s.message());
  }
  for (auto it = meta->scan_prefix(MetaCf::kDrives, "drive-state/"); it->valid(); it->next()) {
    KeyReader r(it->key());
    uint64_t id = 0;
    if (!r.skip_raw("drive-state/") || !r.read_u64(&id)) continue;
    Drive* d = core->drives->find(static_cast<uint32_t>(id));
    if (!d || d->state() != DriveState::kOnline) continue;
    if (it->value() == "draining") d->set_state(DriveState::kDraining, "draining by operator");
    if (it->value() == "failed") d->set_state(DriveState::kOffline, "failed by operator");
    if (it->value() == "removed") d->set_state(DriveState::kOffline, "removed by operator");
  }

  SKY_RETURN_IF_ERROR(core->recover());
  size_t online = 0;
  for (Drive* d : core->drives->drives()) online += d->readable() ? 1 : 0;
  size_t threads = options.io_threads > 0 ? static_cast<size_t>(options.io_threads)
                                          : std::clamp<size_t>(4 * online, 8, 64);
  core->io = std::make_unique<IoPool>(threads);
  core->verified = std::make_unique<VerifiedChunkCache>(core->drives.get(), options.verified_cache);

  core->losses = std::make_unique<DataLossLog>(meta);
  SKY_RETURN_IF_ERROR(core->losses->load());

  std::unique_ptr<BlobStore> store(new BlobStore(std::move(core)));
  store->core_->owner = store.get();
  if (auto gc = store->collect_garbage(); !gc.is_ok()) {
    if (gc.status().code() != StatusCode::kNoSpace) return gc.status();
    spdlog::error("garbage collection at open: {}", gc.status().message());
  }
  StoreCore* c = store->core_.get();
  c->protection = std::make_unique<MetaProtection>(c);
  c->protection->open();
  c->rebuilder = std::make_unique<Rebuilder>(c);
  c->scrubber = std::make_unique<Scrubber>(c);
  // Chunks on drives that are offline or draining now need new homes
  // whether or not the queue already says so (a drive may have vanished
  // while the array was down).
  std::vector<uint32_t> away;
  for (Drive* d : c->drives->drives()) {
    if (d->state() == DriveState::kOffline || d->state() == DriveState::kDraining) {
      away.push_back(d->id());
    }
  }
  if (auto q = c->rebuilder->enqueue_drives(away); !q.is_ok()) {
    spdlog::warn("queueing chunks of unavailable drives: {}", q.status().to_string());
  } else if (*q > 0) {
    spdlog::info("{} chunks on offline or draining drives queued for re-replication", *q);
  }
  if (options.background) {
    c->bg = std::thread([c] { c->background_loop(); });
    c->rebuilder->start();
    c->scrubber->start();
  }
  spdlog::info("store open: array {}, {} drives, {} orphan files removed", array_id,
               store->core_->drives->drives().size(),
               store->core_->counters.orphans_removed.load());
  return store;
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
  for (uint64_t id : ref.chunk_ids()) {
    std::optional<ChunkRecord> pending;
    {
      std::lock_guard lock(core_->pending_mu);
      if (auto it = core_->pending.find(id); it != core_->pending.end()) pending = it->second;
    }
    SKY_ASSIGN_OR_RETURN(auto v, core_->meta->get(MetaCf::kChunks, ChunkRecord::record_key(id)));
    if (pending && v) {
      // Already recorded (a part committed before its multipart complete):
      // the metadata record is authoritative. A rebuild may have changed its
      // replica list since, and putting the writer's record again would
      // list replicas that were dropped and removed.
      std::lock_guard lock(core_->pending_mu);
      core_->pending.erase(id);
    } else if (pending) {
      batch->put(MetaCf::kChunks, ChunkRecord::record_key(id), pending->encode());
      if (pending->drives.size() < pending->wanted) {
        batch->put(MetaCf::kQueues, ChunkRecord::rereplicate_key(id), "");
      }
    } else if (!v) {
      return Status::not_found("chunk " + std::to_string(id) + " no longer exists");
    }
    batch->add(MetaCf::kChunks, ChunkRecord::refcount_key(id), 1);
  }
  return Status();
}

void BlobStore::stage_release(MetaBatch* batch, const BlobRef& ref) {
  for (uint64_t id : ref.chunk_ids()) {
    batch->add(MetaCf::kChunks, ChunkRecord::refcount_key(id), -1);
    batch->put(MetaCf::kQueues, ChunkRecord::gc_key(id, core_->gc_seq.fetch_add(1)), "");
  }
}

void BlobStore::discard(const BlobRef& ref) {
  for (uint64_t id : ref.chunk_ids()) {
    auto v = core_->meta->get(MetaCf::kChunks, ChunkRecord::record_key(id));
    if (!v.is_ok() || v->has_value()) continue;  // recorded (or unknown): leave it
    std::optional<ChunkRecord> rec;
    {
      std::lock_guard lock(core_->pending_mu);
      if (auto it = core_->pending.find(id); it != core_->pending.end()) {
        rec = std::move(it->second);
        core_->pending.erase(it);
      }
    }
    if (rec) core_->remove_replicas(id, rec->drives);
  }
}

Result<uint64_t> BlobStore::collect_garbage() {
  std::lock_guard gc_lock(core_->gc_mu);
  MetaStore* meta = core_->meta;
  // Pending records that reached metadata no longer need to be remembered.
  {
    std::vector<uint64_t> ids;
    {
      std::lock_guard lock(core_->pending_mu);
      for (const auto& [id, rec] : core_->pending) ids.push_back(id);
    }
    for (uint64_t id : ids) {
      SKY_ASSIGN_OR_RETURN(auto v, meta->get(MetaCf::kChunks, ChunkRecord::record_key(id)));
      if (v) {
        std::lock_guard lock(core_->pending_mu);
        core_->pending.erase(id);
      }
    }
  }

  uint64_t removed = 0;
  // Entries of pinned chunks stay queued, so each batch scans on from the
  // last key seen rather than from the start of the queue.
  std::string from(ChunkRecord::kGcPrefix);
  const std::string queue_end = "gc0";  // '/' + 1
  for (;;) {
    std::map<uint64_t, std::vector<std::string>> entries;
    auto it = meta->scan(MetaCf::kQueues, from, queue_end);
    size_t n = 0;
    for (; it->valid() && n < 4096; it->next(), ++n) {
      from = std::string(it->key()) + '\0';
      KeyReader r(it->key());
      uint64_t id = 0;
      if (!r.skip_raw(ChunkRecord::kGcPrefix) || !r.read_u64(&id)) continue;
      entries[id].emplace_back(it->key());
    }
    SKY_RETURN_IF_ERROR(it->status());
    if (entries.empty()) break;
    MetaBatch batch;
    batch.set_admission(MetaAdmission::kRelease);  // frees chunks
    std::vector<std::pair<uint64_t, std::vector<uint32_t>>> doomed;
    std::vector<uint64_t> claimed;
    Status s;
    for (const auto& [id, keys] : entries) {
      auto refs = meta->get_counter(MetaCf::kChunks, ChunkRecord::refcount_key(id));
      if (!refs.is_ok()) {
        s = refs.status();
        break;
      }
      if (*refs <= 0 && !core_->pins.try_claim(id)) continue;  // a reader has it: next time
      for (const auto& k : keys) batch.erase(MetaCf::kQueues, k);
      if (*refs > 0) continue;
      claimed.push_back(id);
      auto v = meta->get(MetaCf::kChunks, ChunkRecord::record_key(id));
      if (!v.is_ok()) {
        s = v.status();
        break;
      }
      if (*v) {
        auto rec = ChunkRecord::decode(**v);
        if (!rec.is_ok()) {
          s = rec.status();
          break;
        }
        doomed.emplace_back(id, rec->drives);
      }
      batch.erase(MetaCf::kChunks, ChunkRecord::record_key(id));
      batch.erase(MetaCf::kChunks, ChunkRecord::refcount_key(id));
      batch.erase(MetaCf::kQueues, ChunkRecord::rereplicate_key(id));
    }
    // Records go first: a crash after this commit leaves files that startup
    // recovery removes as unreferenced.
    if (s.is_ok()) s = meta->commit(std::move(batch));
    if (s.is_ok()) {
      for (const auto& [id, drive_ids] : doomed) {
        core_->remove_replicas(id, drive_ids);
        core_->losses->clear(id);  // the object is gone, and its loss with it
      }
      // A writer's record of a collected chunk must never be committed again.
      std::lock_guard lock(core_->pending_mu);
      for (uint64_t id : claimed) core_->pending.erase(id);
    }
    core_->pins.release_claims(claimed);
    SKY_RETURN_IF_ERROR(s);
    removed += doomed.size();
    core_->counters.chunks_collected += doomed.size();
    if (n < 4096) break;
  }
  return removed;
}

Status BlobStore::checkpoint() {
  return core_->protection->checkpoint();
}

MetaProtectionStatus BlobStore::meta_protection() const {
  return core_->protection->status();
}

DriveSet& BlobStore::drives() {
  return *core_->drives;
}

Result<uint32_t> BlobStore::add_drive(const DriveConfig& config) {
  SKY_ASSIGN_OR_RETURN(Drive * d, core_->drives->add(config));
  SKY_RETURN_IF_ERROR(core_->recover_drive(*d));
  MetaBatch batch;
  batch.put(MetaCf::kDrives, "next_drive_id", std::to_string(core_->drives->next_drive_id()));
  batch.put(MetaCf::kDrives, KeyCodec("drive/").add_u64(d->id()).key(),
            d->path() + "\n" + d->label().to_string());
  SKY_RETURN_IF_ERROR(core_->meta->commit(std::move(batch)));
  return d->id();
}

StoreStats BlobStore::stats() const {
  StoreStats s;
  for (Drive* d : core_->drives->drives()) {
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
  s.array = core_->drives->space();
  const auto& c = core_->counters;
  s.chunks_written = c.chunks_written;
  s.under_replicated_writes = c.under_replicated_writes;
  s.shared_domain_writes = c.shared_domain_writes;
  s.read_failovers = c.read_failovers;
  s.checksum_mismatches = c.checksum_mismatches;
  s.chunks_collected = c.chunks_collected;
  s.orphans_removed = c.orphans_removed;
  s.replicas_repaired = c.replicas_repaired;
  s.data_loss_reads = c.data_loss_reads;
  s.lost = core_->losses->list();
  VerifiedChunkCache::Stats v = core_->verified->stats();
  s.verified_cache_hits = v.hits;
  s.verified_cache_bytes = v.bytes_held;
  return s;
}

void BlobStore::set_owner_names(std::shared_ptr<const ChunkOwnerNames> names) {
  std::lock_guard lock(core_->names_mu);
  core_->names = std::move(names);
}

const StoreOptions& BlobStore::options() const {
  return core_->options;
}

}  // namespace skyarray
