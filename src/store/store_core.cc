#include "store/store_core.h"

#include <spdlog/spdlog.h>
#include <algorithm>
#include <filesystem>
#include <random>

#include "common/file_util.h"
#include "drives/chunk_file.h"
#include "meta/key_codec.h"
#include "store/meta_protection.h"
#include "store/replica_check.h"

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

// The drives among `drive_ids` that the set knows.
std::vector<Drive*> holders_of(DriveSet& drives, const std::vector<uint32_t>& drive_ids) {
  std::vector<Drive*> holders;
  for (uint32_t id : drive_ids) {
    if (Drive* d = drives.find(id)) holders.push_back(d);
  }
  return holders;
}

}  // namespace

// ---- Open and recovery

Result<std::unique_ptr<StoreCore>> StoreCore::open(const StoreOptions& options, MetaStore* meta) {
  std::unique_ptr<StoreCore> core(new StoreCore(options, meta));
  SKY_RETURN_IF_ERROR(core->open_drives());
  if (Status s = core->save_startup(); !s.is_ok()) {
    // A full metadata volume: start anyway and serve reads.
    if (s.code() != StatusCode::kNoSpace) return s;
    spdlog::error("store open: {}; no chunk is written until it has room", s.message());
  }
  core->apply_drive_states();
  SKY_RETURN_IF_ERROR(core->recover());
  size_t online = 0;
  for (Drive* d : core->drives_->drives()) online += d->readable() ? 1 : 0;
  size_t threads = options.io_threads > 0 ? static_cast<size_t>(options.io_threads)
                                          : std::clamp<size_t>(4 * online, 8, 64);
  core->io_ = std::make_unique<IoPool>(threads);
  core->verified_ =
      std::make_unique<VerifiedChunkCache>(core->drives_.get(), options.verified_cache);
  core->losses_ = std::make_unique<DataLossLog>(meta);
  SKY_RETURN_IF_ERROR(core->losses_->load());
  return core;
}

StoreCore::~StoreCore() {
  io_.reset();  // joins the I/O threads before the state their jobs use goes
}

Status StoreCore::open_drives() {
  SKY_ASSIGN_OR_RETURN(auto array, meta_->get(MetaCf::kDrives, "array"));
  // Before anything else reads or commits: commits RocksDB lost with its
  // unsynced log tail (power loss) come back from the journal
  // (store/meta_protection.h). A new database has no journal to follow; a
  // database opened read-only (full metadata volume) takes no commit.
  if (array && !meta_->read_only()) {
    SKY_RETURN_IF_ERROR(
        MetaProtection::replay_at_open(meta_, options_.effective_drives(), *array).status());
  }
  std::string array_id = array ? *array : random_array_id();
  SKY_ASSIGN_OR_RETURN(uint64_t epoch, read_number(meta_, "chunk_epoch", 0));
  SKY_ASSIGN_OR_RETURN(uint64_t next_drive, read_number(meta_, "next_drive_id", 0));
  ++epoch;
  next_chunk_id_ = epoch << 32;
  gc_seq_ = epoch << 32;  // GC entries stay unique across restarts too

  std::map<std::string, uint32_t> known;
  for (auto it = meta_->scan_prefix(MetaCf::kDrives, "drive/"); it->valid(); it->next()) {
    std::string_view v = it->value();
    KeyReader r(it->key());
    uint64_t id = 0;
    if (!r.skip_raw("drive/") || !r.read_u64(&id)) continue;
    known.emplace(std::string(v.substr(0, v.find('\n'))), static_cast<uint32_t>(id));
  }
  SKY_ASSIGN_OR_RETURN(drives_,
                       DriveSet::open(options_.effective_drives(), array_id,
                                      static_cast<uint32_t>(next_drive), options_.reserve, known));
  array_id_ = array_id;
  epoch_ = epoch;
  return Status();
}

void StoreCore::apply_drive_states() {
  for (auto it = meta_->scan_prefix(MetaCf::kDrives, "drive-state/"); it->valid(); it->next()) {
    KeyReader r(it->key());
    uint64_t id = 0;
    if (!r.skip_raw("drive-state/") || !r.read_u64(&id)) continue;
    Drive* d = drives_->find(static_cast<uint32_t>(id));
    if (!d || d->state() != DriveState::kOnline) continue;
    if (it->value() == "draining") d->set_state(DriveState::kDraining, "draining by operator");
    if (it->value() == "failed") d->set_state(DriveState::kOffline, "failed by operator");
    if (it->value() == "removed") d->set_state(DriveState::kOffline, "removed by operator");
  }
}

Status StoreCore::save_startup() {
  MutexLock lock(&startup_mu_);
  if (startup_saved_.load()) return Status();
  MetaBatch batch;
  // Small, and needed for any write at all: it may use the reserve.
  batch.set_admission(MetaAdmission::kRelease);
  batch.put(MetaCf::kDrives, "array", array_id_);
  batch.put(MetaCf::kDrives, "chunk_epoch", std::to_string(epoch_));
  batch.put(MetaCf::kDrives, "next_drive_id", std::to_string(drives_->next_drive_id()));
  for (Drive* d : drives_->drives()) {
    if (d->state() == DriveState::kOffline) continue;
    batch.put(MetaCf::kDrives, KeyCodec("drive/").add_u64(d->id()).key(),
              d->path() + "\n" + d->label().to_string());
  }
  SKY_RETURN_IF_ERROR(meta_->commit(std::move(batch)));
  startup_saved_.store(true, std::memory_order_release);
  return Status();
}

Status StoreCore::recover() {
  for (Drive* d : drives_->drives()) {
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

Status StoreCore::recover_drive(Drive& drive) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(drive.tmp_dir(), ec)) {
    fs::remove(e.path(), ec);
    counters_.orphans_removed++;
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
        SKY_ASSIGN_OR_RETURN(auto v, meta_->get(MetaCf::kChunks, ChunkRecord::record_key(id)));
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
        counters_.orphans_removed++;
      }
    }
  }
  drive.set_used(used);
  return Status();
}

// ---- Chunk ids, pending records, placement

Result<uint64_t> StoreCore::new_chunk_id() {
  if (!startup_saved()) {
    return Status::no_space(
        "the metadata volume is full: the array cannot record new chunks until it has room");
  }
  return next_chunk_id_.fetch_add(1);
}

void StoreCore::add_pending(const std::vector<std::pair<uint64_t, ChunkRecord>>& written) {
  MutexLock lock(&pending_mu_);
  for (const auto& [id, rec] : written) pending_[id] = rec;
}

bool StoreCore::is_pending(uint64_t chunk_id) {
  MutexLock lock(&pending_mu_);
  return pending_.count(chunk_id) > 0;
}

void StoreCore::forget_pending(uint64_t chunk_id) {
  MutexLock lock(&pending_mu_);
  pending_.erase(chunk_id);
}

Result<ChunkRecord> StoreCore::chunk_record(uint64_t chunk_id) {
  {
    MutexLock lock(&pending_mu_);
    if (auto it = pending_.find(chunk_id); it != pending_.end()) return it->second;
  }
  SKY_ASSIGN_OR_RETURN(auto v, meta_->get(MetaCf::kChunks, ChunkRecord::record_key(chunk_id)));
  if (!v) return Status::not_found("chunk " + std::to_string(chunk_id) + " has no record");
  return ChunkRecord::decode(*v);
}

std::vector<PlacementCandidate> StoreCore::candidates() const {
  std::vector<PlacementCandidate> out;
  for (Drive* d : drives_->drives()) {
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

Result<PlacementDecision> StoreCore::place(int count, uint64_t file_size,
                                           const std::vector<uint32_t>& holders,
                                           const std::vector<DriveLabel>& existing) {
  std::vector<PlacementCandidate> all = candidates();
  std::erase_if(all, [&](const PlacementCandidate& c) {
    return std::find(holders.begin(), holders.end(), c.drive_id) != holders.end();
  });
  return placement_.choose(all, count, file_size, existing);
}

void StoreCore::remove_replicas(uint64_t chunk_id, const std::vector<uint32_t>& drive_ids) {
  verified_->forget(chunk_id);
  for (uint32_t id : drive_ids) {
    if (Drive* d = drives_->find(id)) d->release(ChunkFile::remove(*d, chunk_id));
  }
}

// ---- Exclusion and repair

bool StoreCore::try_lock_chunk(uint64_t chunk_id) {
  MutexLock lock(&repair_mu_);
  return repairing_.insert(chunk_id).second;
}

void StoreCore::unlock_chunk(uint64_t chunk_id) {
  MutexLock lock(&repair_mu_);
  repairing_.erase(chunk_id);
}

Status StoreCore::without_collection(const std::function<Status()>& fn) {
  MutexLock lock(&gc_mu_);
  return fn();
}

void StoreCore::repair_replica(uint64_t chunk_id, const ChunkRecord& record, uint32_t good,
                               uint32_t bad) {
  if (!try_lock_chunk(chunk_id)) return;  // already being repaired
  Drive* from = drives_->find(good);
  Drive* to = drives_->find(bad);
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
    ChunkOwner owner = ReplicaCheck::owner_of(chunk_id, record, holders_of(*drives_, record.drives))
                           .value_or(ChunkOwner());
    s = ChunkFile::write(*to, chunk_id, data.data(), data.size(), record.block_crcs,
                         /*durable=*/true, owner);
  }
  if (s.is_ok()) {
    // The chunk may have been collected meanwhile: then the new file is an
    // orphan; remove it now rather than at the next startup.
    auto v = meta_->get(MetaCf::kChunks, ChunkRecord::record_key(chunk_id));
    if (v.is_ok() && !v->has_value()) ChunkFile::remove(*to, chunk_id);
    counters_.replicas_repaired++;
    spdlog::info("{}: replica on drive {} repaired from drive {}",
                 describe_chunk(chunk_id, nullptr), bad, good);
  } else {
    spdlog::warn("{}: repair of replica on drive {} failed: {}", describe_chunk(chunk_id, nullptr),
                 bad, s.to_string());
  }
  unlock_chunk(chunk_id);
}

// ---- Health

void StoreCore::count_checksum_mismatches(uint64_t blocks) {
  counters_.checksum_mismatches += blocks;
}

void StoreCore::count_replica_repaired() {
  counters_.replicas_repaired++;
}

uint64_t StoreCore::foreground_bytes() const {
  return counters_.foreground_bytes.load();
}

void StoreCore::set_owner_names(std::shared_ptr<const ChunkOwnerNames> names) {
  MutexLock lock(&names_mu_);
  names_ = std::move(names);
}

std::string StoreCore::object_name(uint64_t chunk_id, const ChunkOwner* owner) {
  std::shared_ptr<const ChunkOwnerNames> namer;
  {
    MutexLock lock(&names_mu_);
    namer = names_;
  }
  if (!namer) return "";
  std::optional<ChunkOwner> found;
  if (owner == nullptr) {
    auto rec = chunk_record(chunk_id);
    if (!rec.is_ok()) return "";
    found = ReplicaCheck::owner_of(chunk_id, *rec, holders_of(*drives_, rec->drives));
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
  if (by_read) counters_.data_loss_reads++;
  std::string name = object_name(chunk_id, owner);
  std::string what = chunk_text(chunk_id, name);
  if (losses_->record(chunk_id, name, detail, by_read)) {
    spdlog::error("data loss: {}: {}", what, detail);
  } else if (by_read) {
    spdlog::warn("a read failed on the known data loss in {}: {}", what, detail);
  }
  return what;
}

void StoreCore::clear_loss(uint64_t chunk_id) {
  losses_->clear(chunk_id);
}

// ---- Making blobs live, and collecting them

Status StoreCore::stage_commit(MetaBatch* batch, const BlobRef& ref) {
  for (uint64_t id : ref.chunk_ids()) {
    std::optional<ChunkRecord> pending;
    {
      MutexLock lock(&pending_mu_);
      if (auto it = pending_.find(id); it != pending_.end()) pending = it->second;
    }
    SKY_ASSIGN_OR_RETURN(auto v, meta_->get(MetaCf::kChunks, ChunkRecord::record_key(id)));
    if (pending && v) {
      // Already recorded (a part committed before its multipart complete):
      // the metadata record is authoritative. A rebuild may have changed its
      // replica list since, and putting the writer's record again would
      // list replicas that were dropped and removed.
      forget_pending(id);
    } else if (pending) {
      batch->put(MetaCf::kChunks, ChunkRecord::record_key(id), pending->encode());
      if (pending->drives.size() < pending->wanted || !all_held(pending->drives)) {
        batch->put(MetaCf::kQueues, ChunkRecord::rereplicate_key(id), "");
      }
    } else if (!v) {
      return Status::not_found("chunk " + std::to_string(id) + " no longer exists");
    }
    batch->add(MetaCf::kChunks, ChunkRecord::refcount_key(id), 1);
  }
  return Status();
}

bool StoreCore::all_held(const std::vector<uint32_t>& drive_ids) const {
  return std::all_of(drive_ids.begin(), drive_ids.end(), [&](uint32_t id) {
    const Drive* d = drives_->find(id);
    return d && (d->state() == DriveState::kOnline || d->state() == DriveState::kDegraded);
  });
}

void StoreCore::stage_release(MetaBatch* batch, const BlobRef& ref) {
  for (uint64_t id : ref.chunk_ids()) {
    batch->add(MetaCf::kChunks, ChunkRecord::refcount_key(id), -1);
    batch->put(MetaCf::kQueues, ChunkRecord::gc_key(id, gc_seq_.fetch_add(1)), "");
  }
}

void StoreCore::discard(const BlobRef& ref) {
  for (uint64_t id : ref.chunk_ids()) {
    auto v = meta_->get(MetaCf::kChunks, ChunkRecord::record_key(id));
    if (!v.is_ok() || v->has_value()) continue;  // recorded (or unknown): leave it
    std::optional<ChunkRecord> rec;
    {
      MutexLock lock(&pending_mu_);
      if (auto it = pending_.find(id); it != pending_.end()) {
        rec = std::move(it->second);
        pending_.erase(it);
      }
    }
    if (rec) remove_replicas(id, rec->drives);
  }
}

Status StoreCore::drop_committed_pending() {
  std::vector<uint64_t> ids;
  {
    MutexLock lock(&pending_mu_);
    for (const auto& [id, rec] : pending_) ids.push_back(id);
  }
  for (uint64_t id : ids) {
    SKY_ASSIGN_OR_RETURN(auto v, meta_->get(MetaCf::kChunks, ChunkRecord::record_key(id)));
    if (v) forget_pending(id);
  }
  return Status();
}

Result<uint64_t> StoreCore::collect_garbage() {
  MutexLock gc_lock(&gc_mu_);
  SKY_RETURN_IF_ERROR(drop_committed_pending());
  uint64_t removed = 0;
  // Entries of pinned chunks stay queued, so each batch scans on from the
  // last key seen rather than from the start of the queue.
  std::string from(ChunkRecord::kGcPrefix);
  for (;;) {
    SKY_ASSIGN_OR_RETURN(bool more, collect_batch(&from, &removed));
    if (!more) break;
  }
  return removed;
}

Result<bool> StoreCore::collect_batch(std::string* from, uint64_t* removed) {
  const std::string queue_end = "gc0";  // '/' + 1
  std::map<uint64_t, std::vector<std::string>> entries;
  auto it = meta_->scan(MetaCf::kQueues, *from, queue_end);
  size_t n = 0;
  for (; it->valid() && n < 4096; it->next(), ++n) {
    *from = std::string(it->key()) + '\0';
    KeyReader r(it->key());
    uint64_t id = 0;
    if (!r.skip_raw(ChunkRecord::kGcPrefix) || !r.read_u64(&id)) continue;
    entries[id].emplace_back(it->key());
  }
  SKY_RETURN_IF_ERROR(it->status());
  if (entries.empty()) return false;
  MetaBatch batch;
  batch.set_admission(MetaAdmission::kRelease);  // frees chunks
  std::vector<std::pair<uint64_t, std::vector<uint32_t>>> doomed;
  std::vector<uint64_t> claimed;
  Status s;
  for (const auto& [id, keys] : entries) {
    s = stage_collection(id, keys, &batch, &doomed, &claimed);
    if (!s.is_ok()) break;
  }
  // Records go first: a crash after this commit leaves files that startup
  // recovery removes as unreferenced.
  if (s.is_ok()) s = meta_->commit(std::move(batch));
  if (s.is_ok()) {
    for (const auto& [id, drive_ids] : doomed) {
      remove_replicas(id, drive_ids);
      losses_->clear(id);  // the object is gone, and its loss with it
    }
    // A writer's record of a collected chunk must never be committed again.
    MutexLock lock(&pending_mu_);
    for (uint64_t id : claimed) pending_.erase(id);
  }
  pins_.release_claims(claimed);
  SKY_RETURN_IF_ERROR(s);
  *removed += doomed.size();
  counters_.chunks_collected += doomed.size();
  return n >= 4096;
}

Status StoreCore::stage_collection(uint64_t id, const std::vector<std::string>& keys,
                                   MetaBatch* batch,
                                   std::vector<std::pair<uint64_t, std::vector<uint32_t>>>* doomed,
                                   std::vector<uint64_t>* claimed) {
  SKY_ASSIGN_OR_RETURN(int64_t refs,
                       meta_->get_counter(MetaCf::kChunks, ChunkRecord::refcount_key(id)));
  if (refs <= 0 && !pins_.try_claim(id)) return Status();  // a reader has it: next time
  for (const auto& k : keys) batch->erase(MetaCf::kQueues, k);
  if (refs > 0) return Status();
  claimed->push_back(id);
  SKY_ASSIGN_OR_RETURN(auto v, meta_->get(MetaCf::kChunks, ChunkRecord::record_key(id)));
  if (v) {
    SKY_ASSIGN_OR_RETURN(auto rec, ChunkRecord::decode(*v));
    doomed->emplace_back(id, rec.drives);
  }
  batch->erase(MetaCf::kChunks, ChunkRecord::record_key(id));
  batch->erase(MetaCf::kChunks, ChunkRecord::refcount_key(id));
  batch->erase(MetaCf::kQueues, ChunkRecord::rereplicate_key(id));
  return Status();
}

}  // namespace skyarray
