#include "store/rebuilder.h"

#include <fcntl.h>
#include <unistd.h>

#include <spdlog/spdlog.h>
#include <algorithm>
#include <map>
#include <set>

#include "common/file_util.h"
#include "drives/chunk_file.h"
#include "drives/drive_identity.h"
#include "drives/drive_set.h"
#include "meta/key_codec.h"
#include "meta/meta_store.h"
#include "store/chunk_lock.h"
#include "store/replica_check.h"
#include "store/store_options.h"

namespace skyarray {

namespace {

constexpr std::string_view kQueuePrefix = "rr/";
// A worker syncs and commits its new replicas in groups of this many chunks
// or bytes written, whichever comes first: one directory fsync per
// directory and one metadata commit per group instead of per chunk, while
// the dirty data a worker holds stays bounded.
constexpr size_t kGroupChunks = 16;
constexpr uint64_t kGroupBytes = 128ull << 20;

bool holds(DriveState s) {
  return s == DriveState::kOnline || s == DriveState::kDegraded;
}

// The data of a replica written with durable = false reaches the disk.
Status sync_file(Drive& d, const std::string& path) {
  SKY_RETURN_IF_ERROR(d.check_fault(/*is_write=*/true));
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::from_errno(errno, "opening " + path);
  Status s;
  if (::fdatasync(fd) != 0) s = Status::from_errno(errno, "fsync of " + path);
  ::close(fd);
  return s;
}

}  // namespace

// One chunk between the writes of its new replicas and the group commit.
struct Rebuilder::Job {
  Job(ChunkAccess* chunks, uint64_t id) : lock(chunks, id), chunk_id(id) {}
  ChunkLock lock;  // held until the group commits
  uint64_t chunk_id;
  bool collected = false;  // no record any more: only the queue entry goes
  std::string old_value;   // the record as read: committed over only if unchanged
  ChunkRecord rec;
  std::vector<uint32_t> keep;   // copies on drives that still hold data
  bool needs_copies = false;    // keep.size() < wanted
  std::vector<uint32_t> added;  // new replicas, written but not yet durable
};

Rebuilder::Rebuilder(ChunkAccess* chunks)
    : chunks_(chunks), limiter_(chunks->options().rebuild_rate) {}

Rebuilder::~Rebuilder() {
  stop();
}

void Rebuilder::start() {
  MutexLock lock(&bg_mu_);
  if (bg_.joinable()) return;
  stop_ = false;
  stopping_ = false;
  bg_ = std::thread([this] { loop(); });
}

void Rebuilder::stop() {
  stopping_ = true;
  {
    MutexLock lock(&bg_mu_);
    stop_ = true;
  }
  bg_cv_.signal_all();
  if (bg_.joinable()) bg_.join();
}

void Rebuilder::wake() {
  {
    MutexLock lock(&bg_mu_);
    woken_ = true;
  }
  bg_cv_.signal_all();
}

void Rebuilder::loop() {
  MutexLock lock(&bg_mu_);
  while (!stop_) {
    bg_cv_.wait_for(std::chrono::duration<double>(chunks_->options().rebuild_interval_seconds),
                    [&] {
                      bg_mu_.assert_held();
                      return stop_ || woken_;
                    });
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
  auto it = chunks_->meta().scan_prefix(MetaCf::kChunks, "c");
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
      SKY_RETURN_IF_ERROR(chunks_->meta().commit(std::move(batch)));
      batch = MetaBatch();
    }
  }
  SKY_RETURN_IF_ERROR(it->status());
  if (!batch.empty()) SKY_RETURN_IF_ERROR(chunks_->meta().commit(std::move(batch)));
  return queued;
}

size_t Rebuilder::check_drives() {
  std::vector<uint32_t> gone;
  for (Drive* d : chunks_->drives().drives()) {
    if (d->state() == DriveState::kOffline) continue;
    auto id = DriveIdentity::read(d->path());
    if (id.is_ok() && id->array_id == chunks_->drives().array_id() && id->drive_id == d->id()) {
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
  for (auto it = chunks_->meta().scan_prefix(MetaCf::kQueues, std::string(kQueuePrefix));
       it->valid(); it->next()) {
    ++n;
  }
  return n;
}

RebuildProgress Rebuilder::progress() const {
  RebuildProgress p;
  {
    MutexLock lock(&mu_);
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

Result<Rebuilder::Queue> Rebuilder::read_queue() {
  Queue q;
  auto it = chunks_->meta().scan_prefix(MetaCf::kQueues, std::string(kQueuePrefix));
  for (; it->valid(); it->next()) {
    KeyReader r(it->key());
    uint64_t id = 0;
    if (!r.skip_raw(kQueuePrefix) || !r.read_u64(&id)) continue;
    size_t surviving = 0, readable = 0, wanted = 0;
    uint64_t length = 0;
    if (auto rec = chunks_->chunk_record(id); rec.is_ok()) {
      for (uint32_t d : rec->drives) {
        Drive* drive = chunks_->drives().find(d);
        surviving += drive && holds(drive->state()) ? 1 : 0;
        readable += drive && drive->readable() ? 1 : 0;
      }
      wanted = rec->wanted;
      length = rec->length;
      if (readable == 0) ++q.lost;
    }
    q.bytes_total += length * (wanted > surviving ? wanted - surviving : 0);
    q.items.push_back({surviving, id});
  }
  SKY_RETURN_IF_ERROR(it->status());
  // Priority: fewest surviving copies first.
  std::stable_sort(q.items.begin(), q.items.end(),
                   [](const Item& a, const Item& b) { return a.surviving < b.surviving; });
  return q;
}

Result<uint64_t> Rebuilder::run_pass() {
  MutexLock pass_lock(&pass_mu_);
  SKY_ASSIGN_OR_RETURN(Queue queue, read_queue());
  const std::vector<Item>& items = queue.items;
  uint64_t rebuilt_before;
  {
    MutexLock lock(&mu_);
    progress_.lost_chunks = queue.lost;
    if (items.empty()) return uint64_t{0};
    progress_.running = true;
    progress_.pass_chunks_total = items.size();
    progress_.pass_chunks_done = 0;
    progress_.pass_bytes_total = queue.bytes_total;
    progress_.pass_bytes_done = 0;
    pass_start_ = std::chrono::steady_clock::now();
    rebuilt_before = progress_.chunks_rebuilt;
  }
  size_t readable_drives = 0;
  for (Drive* d : chunks_->drives().drives()) readable_drives += d->readable() ? 1 : 0;
  size_t workers = chunks_->options().rebuild_parallelism > 0
                       ? static_cast<size_t>(chunks_->options().rebuild_parallelism)
                       : std::clamp<size_t>(readable_drives, 2, 32);
  workers = std::min(workers, items.size());
  spdlog::info("rebuild: {} chunks queued ({} bytes to copy, {} with no readable copy), {} workers",
               items.size(), queue.bytes_total, queue.lost, workers);
  std::atomic<size_t> next{0};
  std::vector<std::thread> threads;
  for (size_t w = 0; w < workers; ++w) threads.emplace_back([&] { work(items, &next); });
  for (auto& t : threads) t.join();
  MutexLock lock(&mu_);
  progress_.running = false;
  progress_.pass_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - pass_start_).count();
  spdlog::info("rebuild pass: {} of {} chunks done, {} bytes in {:.1f} s",
               progress_.pass_chunks_done, items.size(), progress_.pass_bytes_done,
               progress_.pass_seconds);
  return progress_.chunks_rebuilt - rebuilt_before;
}

void Rebuilder::work(const std::vector<Item>& items, std::atomic<size_t>* next) {
  Buffer buffers[2];
  std::vector<std::unique_ptr<Job>> group;
  uint64_t group_bytes = 0;
  for (size_t i = next->fetch_add(1); i < items.size() && !stopping_; i = next->fetch_add(1)) {
    Status s = prepare_chunk(items[i].id, buffers, &group);
    if (!s.is_ok()) {
      MutexLock lock(&mu_);
      progress_.pass_chunks_done++;
      progress_.errors++;
      spdlog::warn("rebuild of chunk {:016x}: {}", items[i].id, s.to_string());
      continue;
    }
    const Job& job = *group.back();
    group_bytes += job.rec.length * job.added.size();
    if (group.size() >= kGroupChunks || group_bytes >= kGroupBytes) {
      commit_group(&group);
      group_bytes = 0;
    }
  }
  commit_group(&group);
}

Status Rebuilder::prepare_chunk(uint64_t chunk_id, Buffer* reuse,
                                std::vector<std::unique_ptr<Job>>* group) {
  auto job = std::make_unique<Job>(chunks_, chunk_id);
  if (!job->lock.owned()) return Status::unavailable("chunk busy; retried next pass");
  SKY_ASSIGN_OR_RETURN(auto v,
                       chunks_->meta().get(MetaCf::kChunks, ChunkRecord::record_key(chunk_id)));
  if (!v) {
    job->collected = true;
    group->push_back(std::move(job));
    return Status();
  }
  job->old_value = std::move(*v);
  SKY_ASSIGN_OR_RETURN(job->rec, ChunkRecord::decode(job->old_value));
  const ChunkRecord& rec = job->rec;
  std::vector<DriveLabel> keep_labels;
  std::vector<Drive*> sources;
  for (uint32_t id : rec.drives) {
    Drive* d = chunks_->drives().find(id);
    if (!d) continue;
    if (holds(d->state())) {
      job->keep.push_back(id);
      keep_labels.push_back(d->label());
    }
    if (d->readable()) sources.push_back(d);
  }
  // Spread the reading over all surviving drives; online copies first.
  order_for_reading(&sources, chunk_id);

  job->needs_copies = job->keep.size() < std::max<size_t>(rec.wanted, 1);
  if (job->needs_copies) {
    if (sources.empty()) return Status::unavailable("no readable replica");
    SKY_RETURN_IF_ERROR(add_copies(job.get(), keep_labels, sources, reuse));
  }
  group->push_back(std::move(job));
  return Status();
}

// Writes the job's missing replicas, not synced: the group syncs all its
// files, then each directory once, before its one commit (commit_group).
Status Rebuilder::add_copies(Job* job, const std::vector<DriveLabel>& keep_labels,
                             const std::vector<Drive*>& sources, Buffer* reuse) {
  const ChunkRecord& rec = job->rec;
  const uint64_t chunk_id = job->chunk_id;
  const size_t wanted = std::max<size_t>(rec.wanted, 1);
  SKY_ASSIGN_OR_RETURN(auto decision,
                       chunks_->place(static_cast<int>(wanted - job->keep.size()),
                                      ChunkFile::file_size(rec.length), rec.drives, keep_labels));
  ReplicaCheck check = ReplicaCheck::run(chunks_, chunk_id, rec, sources, /*all=*/false, reuse);
  if (!check.complete) {
    reuse[0] = std::move(check.data);
    return Status::corruption("no good copy of some block on any replica");
  }
  limiter_.acquire(rec.length * decision.drive_ids.size());
  for (uint32_t t : decision.drive_ids) {
    Drive* d = chunks_->drives().find(t);
    uint64_t size = ChunkFile::file_size(rec.length);
    Status s = d->reserve(size);
    if (s.is_ok()) {
      s = ChunkFile::write(*d, chunk_id, check.data.data(), rec.length, rec.block_crcs,
                           /*durable=*/false, check.owner);
      if (!s.is_ok()) {
        d->release(size);
        d->note_error(s);
      }
    }
    if (s.is_ok()) job->added.push_back(t);
  }
  reuse[0] = std::move(check.data);
  if (job->added.empty()) return Status::io_error("no new replica could be written");
  return Status();
}

void Rebuilder::commit_group(std::vector<std::unique_ptr<Job>>* group) {
  if (group->empty()) return;
  std::vector<Status> outcome = make_durable(*group);
  std::vector<std::vector<uint32_t>> dropped = record_group(*group, &outcome);
  finish_group(*group, outcome, dropped);
  group->clear();  // releases the chunk locks
}

// Step 1 of a group commit: every new replica durable, each file's data,
// then each directory (holding the renames) once, however many files landed
// in it. A replica that does not sync is removed. Returns each job's outcome.
std::vector<Status> Rebuilder::make_durable(const std::vector<std::unique_ptr<Job>>& group) {
  std::map<std::string, Drive*> dirs;
  for (auto& job : group) {
    for (auto it = job->added.begin(); it != job->added.end();) {
      Drive* d = chunks_->drives().find(*it);
      std::string path = ChunkFile::path(*d, job->chunk_id);
      Status s = sync_file(*d, path);
      if (!s.is_ok()) {
        d->note_error(s);
        d->release(ChunkFile::remove(*d, job->chunk_id));
        it = job->added.erase(it);
        continue;
      }
      dirs.emplace(path.substr(0, path.rfind('/')), d);
      ++it;
    }
  }
  std::set<uint32_t> unsynced;
  for (const auto& [dir, d] : dirs) {
    if (Status s = FileUtil::fsync_dir(dir); !s.is_ok()) {
      d->note_error(s);
      unsynced.insert(d->id());
    }
  }
  std::vector<Status> outcome(group.size());
  for (size_t i = 0; i < group.size(); ++i) {
    Job& job = *group[i];
    std::erase_if(job.added, [&](uint32_t id) {
      if (!unsynced.count(id)) return false;
      Drive* d = chunks_->drives().find(id);
      d->release(ChunkFile::remove(*d, job.chunk_id));
      return true;
    });
    if (job.needs_copies && job.added.empty()) {
      outcome[i] = Status::io_error("no new replica could be made durable");
    }
  }
  return outcome;
}

// Adds to `batch` the job's new record (or, for a collected chunk, the
// removal of its queue entry). Returns the copies the new record drops;
// sets `outcome` when the record changed since it was read.
std::vector<uint32_t> Rebuilder::stage_job(Job& job, MetaBatch* batch, Status* outcome) {
  const std::string rr_key = ChunkRecord::rereplicate_key(job.chunk_id);
  if (job.collected) {
    batch->erase(MetaCf::kQueues, rr_key);
    return {};
  }
  auto now = chunks_->meta().get(MetaCf::kChunks, ChunkRecord::record_key(job.chunk_id));
  if (!now.is_ok() || !now->has_value() || **now != job.old_value) {
    chunks_->remove_replicas(job.chunk_id, job.added);
    job.added.clear();
    *outcome = Status::unavailable("chunk changed while rebuilding; retried next pass");
    return {};
  }
  const ChunkRecord& rec = job.rec;
  std::vector<uint32_t> next = job.keep;
  next.insert(next.end(), job.added.begin(), job.added.end());
  std::vector<uint32_t> dropped;
  const bool complete = next.size() >= std::max<size_t>(rec.wanted, 1);
  if (complete) {
    for (uint32_t id : rec.drives) {
      if (std::find(job.keep.begin(), job.keep.end(), id) == job.keep.end()) dropped.push_back(id);
    }
  } else {
    // Not enough room elsewhere: keep every old copy listed, however weak.
    next = rec.drives;
    next.insert(next.end(), job.added.begin(), job.added.end());
  }
  ChunkRecord updated = rec;
  updated.drives = std::move(next);
  batch->put(MetaCf::kChunks, ChunkRecord::record_key(job.chunk_id), updated.encode());
  if (complete) batch->erase(MetaCf::kQueues, rr_key);
  return dropped;
}

// Step 2: one commit records every chunk of the group whose record did not
// change meanwhile, under the GC lock: a concurrently collected chunk is
// never resurrected. Returns, per job, the old copies to remove.
std::vector<std::vector<uint32_t>> Rebuilder::record_group(
    const std::vector<std::unique_ptr<Job>>& group, std::vector<Status>* outcome) {
  std::vector<std::vector<uint32_t>> dropped(group.size());
  (void)chunks_->without_collection([&] {
    MetaBatch batch;
    batch.set_admission(MetaAdmission::kRelease);  // restores redundancy; records only
    for (size_t i = 0; i < group.size(); ++i) {
      if ((*outcome)[i].is_ok()) dropped[i] = stage_job(*group[i], &batch, &(*outcome)[i]);
    }
    Status s = batch.empty() ? Status() : chunks_->meta().commit(std::move(batch));
    for (size_t i = 0; i < group.size(); ++i) {
      Job& job = *group[i];
      if (!(*outcome)[i].is_ok() || job.collected) continue;
      if (!s.is_ok()) {
        chunks_->remove_replicas(job.chunk_id, job.added);
        job.added.clear();
        dropped[i].clear();
        (*outcome)[i] = s;
        continue;
      }
      chunks_->forget_pending(job.chunk_id);
    }
    return s;
  });
  return dropped;
}

// Step 3: only now, with the replacements recorded, do old copies go away.
void Rebuilder::finish_group(const std::vector<std::unique_ptr<Job>>& group,
                             const std::vector<Status>& outcome,
                             const std::vector<std::vector<uint32_t>>& dropped) {
  MutexLock lock(&mu_);
  for (size_t i = 0; i < group.size(); ++i) {
    const Job& job = *group[i];
    for (uint32_t id : dropped[i]) {
      Drive* d = chunks_->drives().find(id);
      if (d && d->readable()) d->release(ChunkFile::remove(*d, job.chunk_id));
    }
    progress_.pass_chunks_done++;
    if (!outcome[i].is_ok()) {
      progress_.errors++;
      spdlog::warn("rebuild of chunk {:016x}: {}", job.chunk_id, outcome[i].to_string());
      continue;
    }
    if (!job.added.empty()) progress_.chunks_rebuilt++;
    progress_.bytes_rebuilt += job.rec.length * job.added.size();
    progress_.pass_bytes_done += job.rec.length * job.added.size();
    progress_.replicas_dropped += dropped[i].size();
  }
}

}  // namespace skyarray
