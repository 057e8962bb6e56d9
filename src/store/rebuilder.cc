#include "store/rebuilder.h"

#include <spdlog/spdlog.h>
#include <algorithm>

#include "drives/chunk_file.h"
#include "drives/drive_identity.h"
#include "meta/key_codec.h"
#include "store/blob_store_impl.h"
#include "store/replica_check.h"

namespace skyarray {

namespace {

constexpr std::string_view kQueuePrefix = "rr/";

bool holds(DriveState s) {
  return s == DriveState::kOnline || s == DriveState::kDegraded;
}

int source_rank(const Drive* d) {
  switch (d->state()) {
    case DriveState::kOnline:
      return 0;
    case DriveState::kDraining:
      return 1;
    default:
      return 2;
  }
}

}  // namespace

Rebuilder::Rebuilder(StoreCore* core) : core_(core), limiter_(core->options.rebuild_rate) {}

Rebuilder::~Rebuilder() {
  stop();
}

void Rebuilder::start() {
  std::lock_guard lock(bg_mu_);
  if (bg_.joinable()) return;
  stop_ = false;
  stopping_ = false;
  bg_ = std::thread([this] { loop(); });
}

void Rebuilder::stop() {
  stopping_ = true;
  {
    std::lock_guard lock(bg_mu_);
    stop_ = true;
  }
  bg_cv_.notify_all();
  if (bg_.joinable()) bg_.join();
}

void Rebuilder::wake() {
  {
    std::lock_guard lock(bg_mu_);
    woken_ = true;
  }
  bg_cv_.notify_all();
}

void Rebuilder::loop() {
  std::unique_lock lock(bg_mu_);
  while (!stop_) {
    bg_cv_.wait_for(lock, std::chrono::duration<double>(core_->options.rebuild_interval_seconds),
                    [&] { return stop_ || woken_; });
    if (stop_) break;
    woken_ = false;
    lock.unlock();
    check_drives();
    if (auto r = run_pass(); !r.is_ok()) spdlog::warn("rebuild pass: {}", r.status().to_string());
    lock.lock();
  }
}

Result<uint64_t> Rebuilder::enqueue_drives(const std::vector<uint32_t>& drive_ids) {
  if (drive_ids.empty()) return uint64_t{0};
  uint64_t queued = 0;
  MetaBatch batch;
  auto it = core_->meta->scan_prefix(MetaCf::kChunks, "c");
  for (; it->valid(); it->next()) {
    KeyReader r(it->key());
    uint64_t id = 0;
    if (!r.skip_raw("c") || !r.read_u64(&id)) continue;
    auto rec = ChunkRecord::decode(it->value());
    if (!rec.is_ok()) continue;
    bool hit = std::any_of(rec->drives.begin(), rec->drives.end(), [&](uint32_t d) {
      return std::find(drive_ids.begin(), drive_ids.end(), d) != drive_ids.end();
    });
    if (!hit) continue;
    batch.put(MetaCf::kQueues, ChunkRecord::rereplicate_key(id), "");
    ++queued;
    if (batch.count() >= 4096) {
      SKY_RETURN_IF_ERROR(core_->meta->commit(std::move(batch)));
      batch = MetaBatch();
    }
  }
  SKY_RETURN_IF_ERROR(it->status());
  if (!batch.empty()) SKY_RETURN_IF_ERROR(core_->meta->commit(std::move(batch)));
  return queued;
}

size_t Rebuilder::check_drives() {
  std::vector<uint32_t> gone;
  for (Drive* d : core_->drives->drives()) {
    if (d->state() == DriveState::kOffline) continue;
    auto id = DriveIdentity::read(d->path());
    if (id.is_ok() && id->array_id == core_->drives->array_id() && id->drive_id == d->id()) {
      continue;
    }
    d->set_state(DriveState::kOffline, "missing: " + (id.is_ok() ? std::string("identity changed")
                                                                 : id.status().to_string()));
    gone.push_back(d->id());
  }
  if (gone.empty()) return 0;
  auto queued = enqueue_drives(gone);
  spdlog::error("{} drive(s) vanished; {} chunks queued for re-replication", gone.size(),
                queued.is_ok() ? *queued : 0);
  return gone.size();
}

uint64_t Rebuilder::count_queue() const {
  uint64_t n = 0;
  for (auto it = core_->meta->scan_prefix(MetaCf::kQueues, std::string(kQueuePrefix)); it->valid();
       it->next()) {
    ++n;
  }
  return n;
}

RebuildProgress Rebuilder::progress() const {
  RebuildProgress p;
  {
    std::lock_guard lock(mu_);
    p = progress_;
    if (p.running) {
      p.pass_seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - pass_start_).count();
    }
  }
  if (p.pass_seconds > 0) p.rate_bytes_per_second = p.pass_bytes_done / p.pass_seconds;
  if (p.running && p.rate_bytes_per_second > 0 && p.pass_bytes_total > p.pass_bytes_done) {
    p.eta_seconds = (p.pass_bytes_total - p.pass_bytes_done) / p.rate_bytes_per_second;
  }
  p.queued_chunks = count_queue();
  return p;
}

Result<uint64_t> Rebuilder::run_pass() {
  std::lock_guard pass_lock(pass_mu_);
  // Priority: fewest surviving copies first.
  struct Item {
    size_t surviving;
    uint64_t id;
  };
  std::vector<Item> items;
  uint64_t bytes_total = 0, lost = 0;
  auto it = core_->meta->scan_prefix(MetaCf::kQueues, std::string(kQueuePrefix));
  for (; it->valid(); it->next()) {
    KeyReader r(it->key());
    uint64_t id = 0;
    if (!r.skip_raw(kQueuePrefix) || !r.read_u64(&id)) continue;
    size_t surviving = 0, readable = 0, wanted = 0;
    uint64_t length = 0;
    if (auto rec = core_->chunk_record(id); rec.is_ok()) {
      for (uint32_t d : rec->drives) {
        Drive* drive = core_->drives->find(d);
        surviving += drive && holds(drive->state()) ? 1 : 0;
        readable += drive && drive->readable() ? 1 : 0;
      }
      wanted = rec->wanted;
      length = rec->length;
      if (readable == 0) ++lost;
    }
    bytes_total += length * (wanted > surviving ? wanted - surviving : 0);
    items.push_back({surviving, id});
  }
  SKY_RETURN_IF_ERROR(it->status());
  std::stable_sort(items.begin(), items.end(),
                   [](const Item& a, const Item& b) { return a.surviving < b.surviving; });
  {
    std::lock_guard lock(mu_);
    progress_.lost_chunks = lost;
    if (items.empty()) return uint64_t{0};
    progress_.running = true;
    progress_.pass_chunks_total = items.size();
    progress_.pass_chunks_done = 0;
    progress_.pass_bytes_total = bytes_total;
    progress_.pass_bytes_done = 0;
    pass_start_ = std::chrono::steady_clock::now();
  }
  size_t readable_drives = 0;
  for (Drive* d : core_->drives->drives()) readable_drives += d->readable() ? 1 : 0;
  size_t workers = core_->options.rebuild_parallelism > 0
                       ? static_cast<size_t>(core_->options.rebuild_parallelism)
                       : std::clamp<size_t>(readable_drives, 2, 32);
  workers = std::min(workers, items.size());
  spdlog::info("rebuild: {} chunks queued ({} bytes to copy, {} with no readable copy), {} workers",
               items.size(), bytes_total, lost, workers);
  std::atomic<size_t> next{0};
  uint64_t rebuilt_before;
  {
    std::lock_guard lock(mu_);
    rebuilt_before = progress_.chunks_rebuilt;
  }
  uint64_t rebuilt = 0;
  std::vector<std::thread> threads;
  for (size_t w = 0; w < workers; ++w) {
    threads.emplace_back([&] {
      Buffer buffers[2];
      for (size_t i = next.fetch_add(1); i < items.size() && !stopping_; i = next.fetch_add(1)) {
        Status s = rebuild_chunk(items[i].id, buffers);
        std::lock_guard lock(mu_);
        progress_.pass_chunks_done++;
        if (!s.is_ok()) {
          progress_.errors++;
          spdlog::warn("rebuild of chunk {:016x}: {}", items[i].id, s.to_string());
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  {
    std::lock_guard lock(mu_);
    progress_.running = false;
    progress_.pass_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - pass_start_).count();
    rebuilt = progress_.chunks_rebuilt - rebuilt_before;
    spdlog::info("rebuild pass: {} of {} chunks done, {} bytes in {:.1f} s",
                 progress_.pass_chunks_done, items.size(), progress_.pass_bytes_done,
                 progress_.pass_seconds);
  }
  return rebuilt;
}

Status Rebuilder::rebuild_chunk(uint64_t chunk_id, Buffer* reuse) {
  ChunkLock chunk_lock(core_, chunk_id);
  if (!chunk_lock.owned()) return Status::unavailable("chunk busy; retried next pass");
  const std::string rr_key = ChunkRecord::rereplicate_key(chunk_id);
  SKY_ASSIGN_OR_RETURN(auto v,
                       core_->meta->get(MetaCf::kChunks, ChunkRecord::record_key(chunk_id)));
  if (!v) {  // collected meanwhile
    MetaBatch b;
    b.erase(MetaCf::kQueues, rr_key);
    return core_->meta->commit(std::move(b));
  }
  SKY_ASSIGN_OR_RETURN(ChunkRecord rec, ChunkRecord::decode(*v));
  std::vector<uint32_t> keep;
  std::vector<DriveLabel> keep_labels;
  std::vector<Drive*> sources;
  for (uint32_t id : rec.drives) {
    Drive* d = core_->drives->find(id);
    if (!d) continue;
    if (holds(d->state())) {
      keep.push_back(id);
      keep_labels.push_back(d->label());
    }
    if (d->readable()) sources.push_back(d);
  }
  // Spread the reading over all surviving drives; online copies first.
  if (!sources.empty()) {
    std::rotate(sources.begin(), sources.begin() + chunk_id % sources.size(), sources.end());
  }
  std::stable_sort(sources.begin(), sources.end(),
                   [](const Drive* a, const Drive* b) { return source_rank(a) < source_rank(b); });

  std::vector<uint32_t> added;
  const size_t wanted = std::max<size_t>(rec.wanted, 1);
  if (keep.size() < wanted) {
    if (sources.empty()) return Status::unavailable("no readable replica");
    std::vector<PlacementCandidate> candidates;
    for (auto& c : core_->candidates()) {
      if (std::find(rec.drives.begin(), rec.drives.end(), c.drive_id) == rec.drives.end()) {
        candidates.push_back(std::move(c));
      }
    }
    SKY_ASSIGN_OR_RETURN(auto decision,
                         core_->placement.choose(candidates, static_cast<int>(wanted - keep.size()),
                                                 ChunkFile::file_size(rec.length), keep_labels));
    ReplicaCheck check = ReplicaCheck::run(core_, chunk_id, rec, sources, /*all=*/false, reuse);
    if (!check.complete) {
      reuse[0] = std::move(check.data);
      return Status::corruption("no good copy of some block on any replica");
    }
    limiter_.acquire(rec.length * decision.drive_ids.size());
    for (uint32_t t : decision.drive_ids) {
      Drive* d = core_->drives->find(t);
      uint64_t size = ChunkFile::file_size(rec.length);
      Status s = d->reserve(size);
      if (s.is_ok()) {
        s = ChunkFile::write(*d, chunk_id, check.data.data(), rec.length, rec.block_crcs);
        if (!s.is_ok()) {
          d->release(size);
          d->note_error(s);
        }
      }
      if (s.is_ok()) added.push_back(t);
    }
    reuse[0] = std::move(check.data);
    if (added.empty()) return Status::io_error("no new replica could be written");
  }

  std::vector<uint32_t> next = keep;
  next.insert(next.end(), added.begin(), added.end());
  const bool complete = next.size() >= wanted;
  std::vector<uint32_t> dropped;
  if (complete) {
    for (uint32_t id : rec.drives) {
      if (std::find(keep.begin(), keep.end(), id) == keep.end()) dropped.push_back(id);
    }
  } else {
    // Not enough room elsewhere: keep every old copy listed, however weak.
    next = rec.drives;
    next.insert(next.end(), added.begin(), added.end());
  }
  ChunkRecord updated = rec;
  updated.drives = next;
  {
    // The collector must not remove the record between our read and commit.
    std::lock_guard gc_lock(core_->gc_mu);
    auto now = core_->meta->get(MetaCf::kChunks, ChunkRecord::record_key(chunk_id));
    if (!now.is_ok() || !now->has_value() || **now != *v) {
      core_->remove_replicas(chunk_id, added);
      return Status::unavailable("chunk changed while rebuilding; retried next pass");
    }
    MetaBatch batch;
    batch.put(MetaCf::kChunks, ChunkRecord::record_key(chunk_id), updated.encode());
    if (complete) batch.erase(MetaCf::kQueues, rr_key);
    Status s = core_->meta->commit(std::move(batch));
    if (!s.is_ok()) {
      core_->remove_replicas(chunk_id, added);
      return s;
    }
    std::lock_guard lock(core_->pending_mu);
    core_->pending.erase(chunk_id);
  }
  // Only now, with the replacement recorded, do old copies go away.
  for (uint32_t id : dropped) {
    Drive* d = core_->drives->find(id);
    if (d && d->readable()) d->release(ChunkFile::remove(*d, chunk_id));
  }
  std::lock_guard lock(mu_);
  if (!added.empty()) progress_.chunks_rebuilt++;
  progress_.bytes_rebuilt += rec.length * added.size();
  progress_.pass_bytes_done += rec.length * added.size();
  progress_.replicas_dropped += dropped.size();
  return Status();
}

}  // namespace skyarray
