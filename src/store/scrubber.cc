#include "store/scrubber.h"

#include <spdlog/spdlog.h>
#include <algorithm>
#include <filesystem>
#include <set>
#include <sstream>

#include "drives/chunk_file.h"
#include "drives/drive_set.h"
#include "meta/key_codec.h"
#include "meta/meta_store.h"
#include "store/chunk_lock.h"
#include "store/rebuilder.h"
#include "store/replica_check.h"
#include "store/store_options.h"

namespace skyarray {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kStateKey = "scrub/state";
constexpr int kYoungFileSeconds = 600;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string chunk_key(uint64_t id) {
  return KeyCodec("c").add_u64(id).key();
}

}  // namespace

Scrubber::Scrubber(ChunkAccess* chunks, Rebuilder* rebuilder)
    : chunks_(chunks), rebuilder_(rebuilder), limiter_(chunks->options().scrub_rate) {
  sample_time_ = std::chrono::steady_clock::now();
}

Scrubber::~Scrubber() {
  stop();
}

void Scrubber::start() {
  MutexLock lock(&bg_mu_);
  if (bg_.joinable()) return;
  stop_ = false;
  bg_ = std::thread([this] { loop(); });
}

void Scrubber::stop() {
  stop_ = true;
  bg_cv_.signal_all();
  if (bg_.joinable()) bg_.join();
}

void Scrubber::request() {
  {
    MutexLock lock(&bg_mu_);
    requested_ = true;
  }
  bg_cv_.signal_all();
}

void Scrubber::loop() {
  if (Status s = load_state(); !s.is_ok()) spdlog::warn("scrub state: {}", s.to_string());
  MutexLock lock(&bg_mu_);
  while (!stop_) {
    ScrubProgress p = progress();
    double interval = chunks_->options().scrub_interval_seconds;
    bool due =
        requested_ || p.cursor != 0 ||
        (interval > 0 && now_ms() >= p.last_pass_end_ms + static_cast<int64_t>(interval * 1000));
    if (!due) {
      bg_cv_.wait_for(std::chrono::seconds(30), [&] {
        bg_mu_.assert_held();
        return stop_ || requested_;
      });
      continue;
    }
    requested_ = false;
    lock.unlock();
    // Slices keep stop() prompt and the cursor fresh.
    auto r = run_pass(1024);
    if (!r.is_ok()) spdlog::warn("scrub: {}", r.status().to_string());
    lock.lock();
    if (!r.is_ok()) bg_cv_.wait_for(std::chrono::seconds(30), [&] { return stop_.load(); });
  }
}

Status Scrubber::load_state() {
  MutexLock lock(&mu_);
  if (loaded_) return Status();
  SKY_ASSIGN_OR_RETURN(auto v, chunks_->meta().get(MetaCf::kQueues, kStateKey));
  if (v) {
    std::istringstream in(*v);
    int version = 0;
    in >> version >> progress_.cursor >> progress_.passes_completed >> progress_.last_pass_end_ms;
    if (version != 1 || in.fail()) return Status::corruption("unreadable scrub state '" + *v + "'");
  }
  loaded_ = true;
  return Status();
}

Status Scrubber::save_state() {
  std::string v;
  {
    MutexLock lock(&mu_);
    v = "1 " + std::to_string(progress_.cursor) + " " + std::to_string(progress_.passes_completed) +
        " " + std::to_string(progress_.last_pass_end_ms);
  }
  MetaBatch b;
  b.put(MetaCf::kQueues, kStateKey, v);
  return chunks_->meta().commit(std::move(b));
}

ScrubProgress Scrubber::progress() const {
  MutexLock lock(&mu_);
  ScrubProgress p = progress_;
  if (p.running) {
    p.pass_seconds =
        elapsed_before_ +
        std::chrono::duration<double>(std::chrono::steady_clock::now() - pass_start_).count();
  }
  if (p.pass_seconds > 0) p.rate_bytes_per_second = p.pass_bytes_done / p.pass_seconds;
  if (p.running && p.pass_chunks_done > 0 && p.pass_chunks_total > p.pass_chunks_done) {
    p.eta_seconds =
        p.pass_seconds / p.pass_chunks_done * (p.pass_chunks_total - p.pass_chunks_done);
  }
  return p;
}

void Scrubber::begin_pass() {
  MutexLock lock(&mu_);
  if (progress_.running) return;
  const uint64_t cursor = progress_.cursor;
  // (Re)counting is one key scan; it gives the total and, on resume after a
  // restart, how far the pass already got.
  uint64_t total = 0, before = 0;
  for (auto it = chunks_->meta().scan_prefix(MetaCf::kChunks, "c"); it->valid(); it->next()) {
    ++total;
    if (it->key() < chunk_key(cursor)) ++before;
  }
  if (cursor == 0 || progress_.pass_chunks_total == 0) {
    uint64_t keep_passes = progress_.passes_completed;
    int64_t keep_end = progress_.last_pass_end_ms;
    progress_ = ScrubProgress();
    progress_.passes_completed = keep_passes;
    progress_.last_pass_end_ms = keep_end;
    progress_.cursor = cursor;
    elapsed_before_ = 0;
  }
  progress_.pass_chunks_total = total;
  progress_.pass_chunks_done = before;
  progress_.running = true;
  pass_start_ = std::chrono::steady_clock::now();
}

void Scrubber::finish_pass() {
  uint64_t unreferenced = count_unreferenced();
  MutexLock lock(&mu_);
  progress_.unreferenced_files = unreferenced;
  progress_.cursor = 0;
  progress_.passes_completed++;
  progress_.last_pass_end_ms = now_ms();
  progress_.running = false;
  progress_.pass_seconds =
      elapsed_before_ +
      std::chrono::duration<double>(std::chrono::steady_clock::now() - pass_start_).count();
  elapsed_before_ = 0;
  progress_.pass_chunks_total = progress_.pass_chunks_done;
  spdlog::info(
      "scrub pass {} done: {} chunks, {} bytes in {:.1f} s; {} corrupt blocks, {} bad headers, "
      "{} missing replicas, {} repaired, {} unrepairable, {} under-replicated, {} misplaced, "
      "{} unreferenced files",
      progress_.passes_completed, progress_.pass_chunks_done, progress_.pass_bytes_done,
      progress_.pass_seconds, progress_.corrupt_blocks, progress_.corrupt_headers,
      progress_.missing_replicas, progress_.replicas_repaired, progress_.unrepairable_chunks,
      progress_.under_replicated, progress_.misplaced, progress_.unreferenced_files);
}

Result<ScrubProgress> Scrubber::run_pass(uint64_t max_chunks) {
  MutexLock pass_lock(&pass_mu_);
  SKY_RETURN_IF_ERROR(load_state());
  begin_pass();
  uint64_t cursor;
  {
    MutexLock lock(&mu_);
    cursor = progress_.cursor;
  }
  uint64_t done = 0;
  bool finished = true;
  auto it = chunks_->meta().scan(MetaCf::kChunks, chunk_key(cursor), "d");
  for (; it->valid(); it->next()) {
    KeyReader r(it->key());
    uint64_t id = 0;
    if (!r.skip_raw("c") || !r.read_u64(&id)) continue;
    if (done >= max_chunks || stop_) {
      finished = false;
      break;
    }
    scrub_chunk(id);
    ++done;
    MutexLock lock(&mu_);
    progress_.cursor = id + 1;
    progress_.pass_chunks_done++;
  }
  SKY_RETURN_IF_ERROR(it->status());
  if (finished) finish_pass();
  SKY_RETURN_IF_ERROR(save_state());
  return progress();
}

void Scrubber::scrub_chunk(uint64_t chunk_id) {
  ChunkLock chunk_lock(chunks_, chunk_id);
  if (!chunk_lock.owned()) return;  // being repaired or rebuilt right now
  auto v = chunks_->meta().get(MetaCf::kChunks, ChunkRecord::record_key(chunk_id));
  if (!v.is_ok() || !v->has_value()) return;  // collected meanwhile
  auto rec = ChunkRecord::decode(**v);
  if (!rec.is_ok()) return;
  std::vector<Drive*> sources;
  size_t holders = 0;
  std::set<std::string> nodes;
  for (uint32_t id : rec->drives) {
    Drive* d = chunks_->drives().find(id);
    if (!d) continue;
    if (d->readable()) sources.push_back(d);
    if (d->state() == DriveState::kOnline || d->state() == DriveState::kDegraded) ++holders;
    nodes.insert(d->label().node + "/" + d->label().enclosure);
  }
  ReplicaCheck check = ReplicaCheck::run(chunks_, chunk_id, *rec, sources, /*all=*/true, buffers_);
  Findings found = repair_replicas(chunk_id, *rec, check);
  if (found.unrepairable) {
    note_loss(chunk_id, check, sources.size());
  } else if (check.complete) {
    chunks_->clear_loss(chunk_id);  // whole again (a drive with a good copy came back)
  }
  found.under = holders < rec->wanted;
  if (found.under) {
    MetaBatch b;
    b.put(MetaCf::kQueues, ChunkRecord::rereplicate_key(chunk_id), "");
    if (chunks_->meta().commit(std::move(b)).is_ok() && rebuilder_) rebuilder_->wake();
  }
  // Misplaced: replicas share a node/enclosure although enough online
  // domains exist to separate them.
  std::set<std::string> online_domains;
  for (Drive* d : chunks_->drives().drives()) {
    if (d->writable()) online_domains.insert(d->label().node + "/" + d->label().enclosure);
  }
  found.misplaced = nodes.size() < rec->drives.size() &&
                    nodes.size() < std::min<size_t>(rec->drives.size(), online_domains.size());
  count(found, check.bytes_read);
  buffers_[0] = std::move(check.data);
  pace(check.bytes_read);
}

Scrubber::Findings Scrubber::repair_replicas(uint64_t chunk_id, const ChunkRecord& rec,
                                             const ReplicaCheck& check) {
  Findings found;
  for (const ReplicaFinding& f : check.replicas) {
    if (!f.checked) continue;
    found.corrupt += f.bad_blocks.size();
    found.headers += f.header_bad ? 1 : 0;
    found.missing += f.missing ? 1 : 0;
    if (f.healthy()) continue;
    if (!check.complete) {
      found.unrepairable = true;
      continue;
    }
    if (rewrite_replica(chunk_id, rec, check, f)) ++found.repaired;
  }
  return found;
}

bool Scrubber::rewrite_replica(uint64_t chunk_id, const ChunkRecord& rec, const ReplicaCheck& check,
                               const ReplicaFinding& f) {
  Drive* d = chunks_->drives().find(f.drive_id);
  uint64_t size = ChunkFile::file_size(rec.length);
  if (f.missing && !d->reserve(size).is_ok()) return false;
  Status s = ChunkFile::write(*d, chunk_id, check.data.data(), rec.length, rec.block_crcs,
                              /*durable=*/true, check.owner);
  if (!s.is_ok()) {
    if (f.missing) d->release(size);
    d->note_error(s);
    return false;
  }
  // Collected meanwhile (the GC does not take chunk locks): the new file
  // would be an orphan; remove it now.
  auto still = chunks_->meta().get(MetaCf::kChunks, ChunkRecord::record_key(chunk_id));
  if (still.is_ok() && !still->has_value()) {
    d->release(ChunkFile::remove(*d, chunk_id));
    return false;
  }
  chunks_->count_replica_repaired();
  spdlog::info("scrub: {}: replica on drive {} rewritten ({} bad blocks{}{})",
               chunks_->describe_chunk(chunk_id, check.owner_known ? &check.owner : nullptr),
               d->id(), f.bad_blocks.size(),
               f.owner_differs ? ", header names another owner than the other replicas"
               : f.header_bad  ? ", bad header"
                               : "",
               f.missing ? ", missing" : "");
  return true;
}

void Scrubber::note_loss(uint64_t chunk_id, const ReplicaCheck& check, size_t readable) {
  std::string blocks;
  for (size_t i = 0; i < check.lost_blocks.size() && i < 8; ++i) {
    blocks += (i ? ", " : "") + std::to_string(check.lost_blocks[i]);
  }
  if (check.lost_blocks.size() > 8) blocks += ", ...";
  std::string what =
      chunks_->record_loss(chunk_id,
                           "scrub: block " + blocks + " has no good copy on any of " +
                               std::to_string(readable) + " readable replicas",
                           /*by_read=*/false, check.owner_known ? &check.owner : nullptr);
  spdlog::error("scrub: {}: block {} has no good copy on any replica", what, blocks);
}

void Scrubber::count(const Findings& found, uint64_t bytes_read) {
  MutexLock lock(&mu_);
  progress_.pass_bytes_done += bytes_read;
  progress_.corrupt_blocks += found.corrupt;
  progress_.corrupt_headers += found.headers;
  progress_.missing_replicas += found.missing;
  progress_.replicas_repaired += found.repaired;
  progress_.unrepairable_chunks += found.unrepairable ? 1 : 0;
  progress_.under_replicated += found.under ? 1 : 0;
  progress_.misplaced += found.misplaced ? 1 : 0;
}

void Scrubber::pace(uint64_t bytes) {
  auto now = std::chrono::steady_clock::now();
  double dt = std::chrono::duration<double>(now - sample_time_).count();
  if (dt >= 0.25) {
    uint64_t fg = chunks_->foreground_bytes();
    double fg_rate = (fg - sample_bytes_) / dt;
    sample_bytes_ = fg;
    sample_time_ = now;
    bool busy = chunks_->options().scrub_busy_above > 0 &&
                fg_rate > static_cast<double>(chunks_->options().scrub_busy_above);
    limiter_.set_rate(busy ? chunks_->options().scrub_busy_rate : chunks_->options().scrub_rate);
  }
  limiter_.acquire(bytes);
}

uint64_t Scrubber::count_unreferenced() {
  uint64_t n = 0;
  std::error_code ec;
  for (Drive* d : chunks_->drives().drives()) {
    if (!d->readable()) continue;
    for (const auto& sub : fs::directory_iterator(d->chunk_dir(), ec)) {
      if (!sub.is_directory()) continue;
      for (const auto& f : fs::directory_iterator(sub.path(), ec)) {
        uint64_t id = 0;
        if (!ChunkFile::parse_name(f.path().filename().string(), &id)) continue;
        // A file this young may belong to a write whose commit is in flight.
        auto age = fs::file_time_type::clock::now() - f.last_write_time(ec);
        if (!ec && age < std::chrono::seconds(kYoungFileSeconds)) continue;
        if (chunks_->is_pending(id)) continue;  // written, commit in flight
        auto rec = chunks_->chunk_record(id);
        bool placed = rec.is_ok() && std::find(rec->drives.begin(), rec->drives.end(), d->id()) !=
                                         rec->drives.end();
        if (!placed) {
          if (n < 10) spdlog::warn("scrub: unreferenced chunk file {}", f.path().string());
          ++n;
        }
      }
    }
  }
  return n;
}

}  // namespace skyarray
