#include "meta/meta_store.h"

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/listener.h>
#include <rocksdb/merge_operator.h>
#include <rocksdb/options.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/write_batch.h>

#include <spdlog/spdlog.h>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "common/config.h"
#include "common/mutex.h"
#include "common/runtime.h"
#include "meta/key_codec.h"

namespace skyarray {

namespace {

constexpr std::string_view kCfNames[kMetaCfCount] = {
    "default",  "buckets", "objects", "chunks", "drives",  "queues",
    "counters", "users",   "uploads", "files",  "volumes", "dicom",
};

Status from_rocks(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return Status();
  StatusCode code = StatusCode::kIOError;
  if (s.IsCorruption()) code = StatusCode::kCorruption;
  if (s.IsNoSpace()) code = StatusCode::kNoSpace;
  if (s.IsNotFound()) code = StatusCode::kNotFound;
  if (s.IsInvalidArgument()) code = StatusCode::kInvalidArgument;
  return Status(code, std::string(what) + ": " + s.ToString());
}

int64_t decode_counter(const rocksdb::Slice& s) {
  int64_t v = 0;
  if (s.size() == sizeof(v)) std::memcpy(&v, s.data(), sizeof(v));  // little-endian hosts only
  return v;
}

std::string encode_counter(int64_t v) {
  return std::string(reinterpret_cast<char*>(&v), sizeof(v));
}

// Counters: values are int64 added together, so concurrent batches can
// update statistics and reference counts without a read-modify-write.
class AddOperator : public rocksdb::AssociativeMergeOperator {
 public:
  bool Merge(const rocksdb::Slice&, const rocksdb::Slice* existing, const rocksdb::Slice& value,
             std::string* new_value, rocksdb::Logger*) const override {
    int64_t base = existing ? decode_counter(*existing) : 0;
    uint64_t sum = static_cast<uint64_t>(base) + static_cast<uint64_t>(decode_counter(value));
    *new_value = encode_counter(static_cast<int64_t>(sum));
    return true;
  }
  const char* Name() const override { return "skyarray.add.v1"; }
};

std::string_view error_reason_name(rocksdb::BackgroundErrorReason reason) {
  switch (reason) {
    case rocksdb::BackgroundErrorReason::kFlush:
    case rocksdb::BackgroundErrorReason::kFlushNoWAL:
      return "flush";
    case rocksdb::BackgroundErrorReason::kCompaction:
      return "compaction";
    case rocksdb::BackgroundErrorReason::kWriteCallback:
      return "log write";
    case rocksdb::BackgroundErrorReason::kMemTable:
      return "memtable";
    case rocksdb::BackgroundErrorReason::kManifestWrite:
    case rocksdb::BackgroundErrorReason::kManifestWriteNoWAL:
      return "manifest write";
  }
  return "background";
}

// RocksDB's own log goes to ours (its warnings and errors). Its default, a
// LOG file in the database directory, aborts the process on a full disk:
// once an append to that file meets ENOSPC, the next line logged trips an
// assertion in RocksDB's file writer (Debian builds RocksDB with them on),
// and RocksDB logs at every open.
class RocksLogger : public rocksdb::Logger {
 public:
  RocksLogger() : rocksdb::Logger(rocksdb::InfoLogLevel::WARN_LEVEL) {}
  void Logv(const char* format, va_list ap) override {
    Logv(rocksdb::InfoLogLevel::INFO_LEVEL, format, ap);
  }
  void Logv(const rocksdb::InfoLogLevel level, const char* format, va_list ap) override {
    if (level < GetInfoLogLevel() || level == rocksdb::InfoLogLevel::HEADER_LEVEL) return;
    char line[1024];
    std::vsnprintf(line, sizeof(line), format, ap);
    // Its warnings include routine ones (a checkpoint's file deletions).
    spdlog::log(
        level >= rocksdb::InfoLogLevel::ERROR_LEVEL ? spdlog::level::err : spdlog::level::info,
        "rocksdb: {}", line);
  }
};

// A RocksDB background error (a flush or compaction that hit ENOSPC, a log
// write that failed) stops RocksDB's writes until DB::Resume(); reads go on.
// The listener records it, so that the next commit with room resumes.
class ErrorListener : public rocksdb::EventListener {
 public:
  explicit ErrorListener(std::atomic<bool>* stopped) : stopped_(stopped) {}
  void OnBackgroundError(rocksdb::BackgroundErrorReason reason, rocksdb::Status* error) override {
    stopped_->store(true);
    spdlog::error("metadata: writes stopped after a {} error: {}", error_reason_name(reason),
                  error->ToString());
  }
  void OnErrorRecoveryEnd(const rocksdb::BackgroundErrorRecoveryInfo& info) override {
    if (!info.new_bg_error.ok()) return;
    stopped_->store(false);
    spdlog::info("metadata: writes resumed");
  }

 private:
  std::atomic<bool>* stopped_;
};

}  // namespace

std::string_view meta_cf_name(MetaCf cf) {
  auto i = static_cast<size_t>(cf);
  return i < kMetaCfCount ? kCfNames[i] : "invalid";
}

Result<MetaStoreOptions> MetaStoreOptions::from_config(const ConfigSection& section) {
  MetaStoreOptions o;
  SKY_RETURN_IF_ERROR(section.read_size("block_cache", &o.block_cache_bytes, 1 << 20, 1ull << 40));
  SKY_RETURN_IF_ERROR(
      section.read_size("write_buffer", &o.write_buffer_bytes, 1 << 20, 4ull << 30));
  SKY_RETURN_IF_ERROR(section.read_size("reserve", &o.reserve_bytes, 0, 1ull << 50));
  if (o.reserve_bytes != 0 && o.reserve_bytes < 2 * o.write_buffer_bytes) {
    return Status::invalid_argument(section.path() + ".reserve (" + human_bytes(o.reserve_bytes) +
                                    ") must hold two write buffers (" +
                                    human_bytes(2 * o.write_buffer_bytes) + "), or be 0");
  }
  return o;
}

// ---- MetaBatch

struct MetaBatch::Rep {
  rocksdb::WriteBatch batch;
  // (family, op) pairs are resolved to handles at commit time.
  struct Op {
    enum Kind : uint8_t { kPut, kErase, kAdd } kind;
    MetaCf cf;
    std::string key, value;
  };
  std::vector<Op> ops;
  size_t bytes = 0;
  MetaAdmission admission = MetaAdmission::kGrowth;
};

MetaBatch::MetaBatch() : rep_(std::make_unique<Rep>()) {}
MetaBatch::~MetaBatch() = default;
MetaBatch::MetaBatch(MetaBatch&&) noexcept = default;
MetaBatch& MetaBatch::operator=(MetaBatch&&) noexcept = default;

void MetaBatch::put(MetaCf cf, std::string_view key, std::string_view value) {
  rep_->ops.push_back({Rep::Op::kPut, cf, std::string(key), std::string(value)});
  rep_->bytes += key.size() + value.size() + 8;
}

void MetaBatch::erase(MetaCf cf, std::string_view key) {
  rep_->ops.push_back({Rep::Op::kErase, cf, std::string(key), {}});
  rep_->bytes += key.size() + 8;
}

void MetaBatch::add(MetaCf cf, std::string_view key, int64_t delta) {
  rep_->ops.push_back({Rep::Op::kAdd, cf, std::string(key), encode_counter(delta)});
  rep_->bytes += key.size() + 16;
}

void MetaBatch::set_admission(MetaAdmission admission) {
  rep_->admission = admission;
}

size_t MetaBatch::count() const {
  return rep_ ? rep_->ops.size() : 0;
}
size_t MetaBatch::byte_size() const {
  return rep_ ? rep_->bytes : 0;
}

// ---- MetaIterator

struct MetaIterator::Rep {
  std::string lower, upper;
  rocksdb::Slice upper_slice;
  std::unique_ptr<rocksdb::Iterator> it;
};

MetaIterator::MetaIterator(std::unique_ptr<Rep> rep) : rep_(std::move(rep)) {}
MetaIterator::~MetaIterator() = default;

void MetaIterator::seek(std::string_view key) {
  if (key < rep_->lower) key = rep_->lower;
  rep_->it->Seek(rocksdb::Slice(key.data(), key.size()));
}
void MetaIterator::seek_to_first() {
  rep_->it->Seek(rep_->lower);
}
bool MetaIterator::valid() const {
  if (rep_->it->Valid()) return true;
  if (rep_->it->status().IsIncomplete()) Runtime::note_would_block();
  return false;
}
void MetaIterator::next() {
  rep_->it->Next();
}
std::string_view MetaIterator::key() const {
  auto k = rep_->it->key();
  return {k.data(), k.size()};
}
std::string_view MetaIterator::value() const {
  auto v = rep_->it->value();
  return {v.data(), v.size()};
}
Status MetaIterator::status() const {
  return from_rocks(rep_->it->status(), "metadata scan");
}

// ---- MetaStore

// Commits pass through the gate; a journal segment switch closes it and
// waits for the commits in flight, so that every batch lands in the segment
// its sequence number belongs to. Writers (switches) go first.
class CommitGate {
 public:
  void enter() EXCLUDES(mu_) {
    MutexLock lock(&mu_);
    wait_open();
    inflight_++;
  }
  void leave() EXCLUDES(mu_) {
    MutexLock lock(&mu_);
    if (--inflight_ == 0) cv_.signal_all();
  }
  void close() EXCLUDES(mu_) {
    MutexLock lock(&mu_);
    wait_open();
    closed_ = true;
    cv_.wait([&] {
      mu_.assert_held();
      return inflight_ == 0;
    });
  }
  void open() EXCLUDES(mu_) {
    MutexLock lock(&mu_);
    closed_ = false;
    cv_.signal_all();
  }
  // enter() unless the gate is closed (then false, and nothing held).
  bool try_enter() EXCLUDES(mu_) {
    MutexLock lock(&mu_);
    if (closed_) return false;
    inflight_++;
    return true;
  }

 private:
  void wait_open() REQUIRES(mu_) {
    cv_.wait([&] {
      mu_.assert_held();
      return !closed_;
    });
  }

  Mutex mu_;
  CondVar cv_{&mu_};
  uint64_t inflight_ GUARDED_BY(mu_) = 0;
  bool closed_ GUARDED_BY(mu_) = false;
};

template <class Gate, void (Gate::*In)(), void (Gate::*Out)()>
class Hold {
 public:
  explicit Hold(Gate& g) : g_(g) { (g_.*In)(); }
  ~Hold() { (g_.*Out)(); }
  Hold(const Hold&) = delete;
  Hold& operator=(const Hold&) = delete;

 private:
  Gate& g_;
};
using SegmentSwitch = Hold<CommitGate, &CommitGate::close, &CommitGate::open>;

// A commit's passage through the gate. With `wait` false (a network
// thread) it does not wait for a closed gate: entered() is false instead.
class CommitPass {
 public:
  CommitPass(CommitGate& g, bool wait)
      : g_(g), entered_(wait ? (g.enter(), true) : g.try_enter()) {}
  ~CommitPass() {
    if (entered_) g_.leave();
  }
  CommitPass(const CommitPass&) = delete;
  CommitPass& operator=(const CommitPass&) = delete;
  bool entered() const { return entered_; }

 private:
  CommitGate& g_;
  const bool entered_;
};

// Commits made before the journal opens: bounded, so a store that never
// opens a journal (tools, tests) does not grow without end. Past the bound
// the journal will lag, which resume_journal() reports.
constexpr size_t kMaxPendingBytes = 64 << 20;

uint64_t batch_sequence(const std::string& rep) {
  uint64_t seq = 0;
  if (rep.size() >= 8) std::memcpy(&seq, rep.data(), 8);
  return seq;
}

struct MetaStore::Rep {
  explicit Rep(const std::string& dir, uint64_t reserve) : space(dir, reserve) {}

  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> cfs;
  bool sync = true;

  // Space (see the header): the reserve, RocksDB's stop after a background
  // error, and whether the disk was too full to open for writing.
  SpaceReserve space;
  bool read_only = false;
  std::atomic<bool> stopped{false};
  Mutex resume_mu;
  std::chrono::steady_clock::time_point last_resume GUARDED_BY(resume_mu){};

  Status admit(size_t bytes, MetaAdmission admission) const;
  Status resume_if_stopped();
  Status write_error(const rocksdb::Status& s) const;

  CommitGate gate;
  MetaJournal journal;
  std::atomic<bool> journaling{false};
  Mutex pending_mu;
  std::vector<JournalRecord> pending GUARDED_BY(pending_mu);
  size_t pending_bytes GUARDED_BY(pending_mu) = 0;
  bool pending_overflow GUARDED_BY(pending_mu) = false;

  // The batch `rep` is in RocksDB: hands it to the journal, whose committer
  // completes the ticket once it is durable; before the journal opens it is
  // held for it (RocksDB synced it) and the ticket is complete at once.
  void journal_committed(uint64_t seq, const std::string& rep, CommitTicket& ticket) {
    if (journaling.load(std::memory_order_acquire)) {
      journal.append_async(seq, rep, [ticket](Status s) mutable { ticket.complete(std::move(s)); });
      return;
    }
    ticket.complete(Status());
    MutexLock lock(&pending_mu);
    if (pending_overflow) return;
    pending_bytes += rep.size();
    if (pending_bytes > kMaxPendingBytes) {
      pending_overflow = true;
      pending.clear();
      return;
    }
    pending.push_back({seq, MetaJournal::batch_count(rep), rep});
  }

  rocksdb::ColumnFamilyHandle* cf(MetaCf c) const { return cfs[static_cast<size_t>(c)]; }

  ~Rep() {
    // The committer may still sync a group through db (fallback): first.
    journal.close();
    if (db) {
      for (auto* h : cfs) db->DestroyColumnFamilyHandle(h);
      db->Close();
    }
  }
};

namespace {

std::string full_message(const SpaceUsage& u, uint64_t reserve, bool half) {
  return "the metadata volume is full: " + human_bytes(u.free) + " free, below " +
         (half ? "half of " : "") + "the " + human_bytes(reserve) + " reserve";
}

}  // namespace

Status MetaStore::Rep::admit(size_t bytes, MetaAdmission admission) const {
  if (read_only) {
    return Status::no_space(
        "the metadata volume was full when the array started: metadata is read-only until it "
        "restarts with free space");
  }
  const uint64_t reserve = space.reserve_bytes();
  if (reserve == 0) return Status();
  SpaceUsage u = space.usage();
  if (admission == MetaAdmission::kRelease) {
    if (u.free > reserve / 2 + bytes) return Status();
    return Status::no_space(full_message(u, reserve, true));
  }
  if (u.available > bytes) return Status();  // strictly: check_room(0) asks "any room?"
  return Status::no_space(full_message(u, reserve, false));
}

// Called once the batch was admitted, so there is room again: RocksDB's
// writes stopped by a background error are resumed (at most once a second,
// since Resume() flushes the memtables).
Status MetaStore::Rep::resume_if_stopped() {
  if (!stopped.load(std::memory_order_acquire)) return Status();
  MutexLock lock(&resume_mu);
  if (!stopped.load()) return Status();
  auto now = std::chrono::steady_clock::now();
  if (now - last_resume < std::chrono::seconds(1)) {
    return Status::no_space("the metadata volume was full: its writes resume shortly");
  }
  last_resume = now;
  rocksdb::Status s = db->Resume();
  if (!s.ok()) {
    spdlog::warn("metadata: resuming writes failed: {}", s.ToString());
    return write_error(s);
  }
  stopped.store(false);
  spdlog::info("metadata: writes resumed");
  return Status();
}

// A failed RocksDB write. ENOSPC is said as what it is, without the file
// name RocksDB puts in it: this message reaches clients.
Status MetaStore::Rep::write_error(const rocksdb::Status& s) const {
  if (!s.IsNoSpace()) return from_rocks(s, "metadata commit");
  spdlog::error("metadata commit: {}", s.ToString());
  return Status::no_space("the metadata volume is full: " + human_bytes(space.usage().free) +
                          " free, RocksDB could not write");
}

MetaStore::MetaStore(std::string dir, std::unique_ptr<Rep> rep)
    : dir_(std::move(dir)), rep_(std::move(rep)) {}
MetaStore::~MetaStore() = default;

Result<std::unique_ptr<MetaStore>> MetaStore::open(const std::string& dir,
                                                   const MetaStoreOptions& options) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::from_errno(ec.value(), "creating metadata directory " + dir);

  rocksdb::Options db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.max_background_jobs = 2;
  db_options.keep_log_file_num = 4;
  db_options.info_log = std::make_shared<RocksLogger>();
  db_options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  // The write-ahead log is kept until every family with data in it has
  // flushed; bound it, or a rarely written family would pin gigabytes.
  db_options.max_total_wal_size = 4 * options.write_buffer_bytes;
  db_options.paranoid_checks = true;
  // Recovery leaves the replayed log in memtables instead of flushing it at
  // once: a restart on a full disk needs no room to open.

  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  rocksdb::ColumnFamilyOptions cf_options;
  cf_options.write_buffer_size = options.write_buffer_bytes;
  // RocksDB's defaults for a 64 MiB write buffer (64 MiB files, 256 MiB in
  // level 1), kept in proportion when the buffer is smaller: a compaction
  // then needs room in proportion too, which the reserve is sized by.
  cf_options.target_file_size_base = options.write_buffer_bytes;
  cf_options.max_bytes_for_level_base = 4 * options.write_buffer_bytes;
  cf_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  cf_options.compression = rocksdb::kNoCompression;
  cf_options.merge_operator = std::make_shared<AddOperator>();

  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (auto name : kCfNames) descriptors.emplace_back(std::string(name), cf_options);

  auto rep = std::make_unique<Rep>(dir, options.reserve_bytes);
  rep->sync = options.sync;
  db_options.avoid_flush_during_recovery = true;
  db_options.listeners.push_back(std::make_shared<ErrorListener>(&rep->stopped));
  rocksdb::DB* db = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(db_options, dir, descriptors, &rep->cfs, &db);
  if (!s.ok() && s.IsNoSpace()) {
    // Opening writes a new manifest and log. Without room for them the
    // array still serves what it holds: read-only, until a restart.
    spdlog::error("metadata: {}; opening it read-only", s.ToString());
    rep->cfs.clear();
    s = rocksdb::DB::OpenForReadOnly(db_options, dir, descriptors, &rep->cfs, &db);
    rep->read_only = s.ok();
  }
  if (!s.ok()) return from_rocks(s, "opening metadata in " + dir);
  rep->db.reset(db);
  Rep* r = rep.get();
  // A group no journal copy holds is made durable in RocksDB's own log.
  rep->journal.set_fallback_sync([r] { return from_rocks(r->db->SyncWAL(), "syncing metadata"); });
  return std::unique_ptr<MetaStore>(new MetaStore(dir, std::move(rep)));
}

Result<std::optional<std::string>> MetaStore::get(MetaCf cf, std::string_view key) const {
  std::string value;
  rocksdb::ReadOptions ro;
  // On a network thread (Runtime::cached_or_blocking): memtable and block
  // cache only; a read that needs the disk is redone on the blocking pool.
  if (Runtime::memory_only()) ro.read_tier = rocksdb::kBlockCacheTier;
  rocksdb::Status s =
      rep_->db->Get(ro, rep_->cf(cf), rocksdb::Slice(key.data(), key.size()), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (s.IsIncomplete() && Runtime::memory_only()) {
    Runtime::note_would_block();
    return Status::unavailable("metadata not in memory");
  }
  if (!s.ok()) return from_rocks(s, "metadata read");
  return std::optional<std::string>(std::move(value));
}

Result<int64_t> MetaStore::get_counter(MetaCf cf, std::string_view key) const {
  SKY_ASSIGN_OR_RETURN(auto v, get(cf, key));
  if (!v) return int64_t{0};
  if (v->size() != sizeof(int64_t)) return Status::corruption("counter value of wrong size");
  return decode_counter(*v);
}

namespace {
// A network thread's commit that would have to wait: noted, and nothing
// applied (see apply()).
Status would_wait() {
  Runtime::note_would_block();
  return Status::unavailable("metadata commit would wait");
}
}  // namespace

Status MetaStore::commit(MetaBatch batch) {
  // It waits for the sync: never on a network thread.
  if (Runtime::memory_only()) return would_wait();
  SKY_ASSIGN_OR_RETURN(CommitTicket ticket, apply(std::move(batch)));
  return ticket.wait_blocking();
}

Result<CommitTicket> MetaStore::apply(MetaBatch batch) {
  CommitTicket ticket;
  if (!batch.rep_ || batch.rep_->ops.empty()) {
    ticket.complete(Status());
    return ticket;
  }
  // On a network thread (Runtime::cached_or_blocking) a commit that would
  // wait (writes stopped, a journal switch, a RocksDB stall, a synced write)
  // applies nothing and is redone on the blocking pool.
  const bool may_wait = !Runtime::memory_only();
  if (Runtime::would_block_noted()) return would_wait();
  SKY_RETURN_IF_ERROR(rep_->admit(batch.rep_->bytes, batch.rep_->admission));
  if (!may_wait && rep_->stopped.load(std::memory_order_acquire)) return would_wait();
  SKY_RETURN_IF_ERROR(rep_->resume_if_stopped());
  rocksdb::WriteBatch wb;
  for (const auto& op : batch.rep_->ops) {
    auto* h = rep_->cf(op.cf);
    rocksdb::Status s;
    switch (op.kind) {
      case MetaBatch::Rep::Op::kPut:
        s = wb.Put(h, op.key, op.value);
        break;
      case MetaBatch::Rep::Op::kErase:
        s = wb.Delete(h, op.key);
        break;
      case MetaBatch::Rep::Op::kAdd:
        s = wb.Merge(h, op.key, op.value);
        break;
    }
    if (!s.ok()) return from_rocks(s, "building metadata batch");
  }
  CommitPass pass(rep_->gate, may_wait);
  if (!pass.entered()) return would_wait();
  // One synced log per commit: the journal when a copy of it is live,
  // else RocksDB's own log (see the header).
  rocksdb::WriteOptions wo;
  wo.sync =
      rep_->sync && !(rep_->journaling.load(std::memory_order_acquire) && rep_->journal.live());
  if (wo.sync && !may_wait) return would_wait();
  wo.no_slowdown = !may_wait;
  if (rocksdb::Status s = rep_->db->Write(wo, &wb); !s.ok()) {
    if (s.IsIncomplete() && !may_wait) return would_wait();
    return rep_->write_error(s);
  }
  // RocksDB first: its sequence numbers order the journal, and a crash
  // before the append leaves a batch the journal lacks, which the next open
  // notices (resume_journal) and covers with a checkpoint.
  rep_->journal_committed(batch_sequence(wb.Data()), wb.Data(), ticket);
  return ticket;
}

std::unique_ptr<MetaIterator> MetaStore::scan(MetaCf cf, std::string lower, std::string upper,
                                              ScanSpan span) const {
  auto rep = std::make_unique<MetaIterator::Rep>();
  rep->lower = std::move(lower);
  rep->upper = std::move(upper);
  rocksdb::ReadOptions ro;
  if (!rep->upper.empty()) {
    rep->upper_slice = rocksdb::Slice(rep->upper);
    ro.iterate_upper_bound = &rep->upper_slice;
  }
  // Listings read each block once; keep them from evicting point lookups.
  // A few entries (one key's versions, read on every PUT) are a lookup and
  // cached like one: a block left uncached is read again by the next
  // request, and never found by a network thread (memory only).
  ro.fill_cache = span == ScanSpan::kFew;
  if (Runtime::memory_only()) ro.read_tier = rocksdb::kBlockCacheTier;
  // No fixed readahead: most scans are short (the versions of one key, read
  // on every PUT), and a fixed 256 KiB read per file per scan made them the
  // costliest step of a small write. RocksDB's automatic readahead (0 here)
  // still grows up to 256 KiB once a scan reads blocks in sequence, as a
  // listing does.
  ro.readahead_size = 0;
  rep->it.reset(rep_->db->NewIterator(ro, rep_->cf(cf)));
  rep->it->Seek(rep->lower);
  return std::unique_ptr<MetaIterator>(new MetaIterator(std::move(rep)));
}

std::unique_ptr<MetaIterator> MetaStore::scan_prefix(MetaCf cf, std::string prefix,
                                                     ScanSpan span) const {
  std::string end = KeyCodec::prefix_end(prefix);
  return scan(cf, std::move(prefix), std::move(end), span);
}

Status MetaStore::checkpoint(const std::string& dir, uint64_t* sequence) {
  rocksdb::Checkpoint* cp = nullptr;
  SKY_RETURN_IF_ERROR(
      from_rocks(rocksdb::Checkpoint::Create(rep_->db.get(), &cp), "creating checkpoint"));
  std::unique_ptr<rocksdb::Checkpoint> holder(cp);
  // log_size_for_flush = 0: flush the memtables so the copy needs no WAL.
  return from_rocks(cp->CreateCheckpoint(dir, 0, sequence), "writing checkpoint to " + dir);
}

Status MetaStore::check_room(uint64_t bytes) const {
  return rep_->admit(bytes, MetaAdmission::kGrowth);
}

SpaceUsage MetaStore::space() const {
  return rep_->space.usage();
}

bool MetaStore::read_only() const {
  return rep_->read_only;
}

uint64_t MetaStore::latest_sequence() const {
  return rep_->db->GetLatestSequenceNumber();
}

MetaJournalHealth MetaStore::journal_health() const {
  return rep_->journal.health();
}

Result<uint64_t> MetaStore::start_journal_segment(const std::vector<std::string>& dirs) {
  SegmentSwitch hold(rep_->gate);
  // Every commit of the old segment durable, in the old segment and in
  // RocksDB's own log: a power loss then never takes RocksDB back before
  // the new segment's key, so a restart needs no older segment.
  rep_->journal.close();
  if (rep_->sync && !rep_->read_only) {
    SKY_RETURN_IF_ERROR(from_rocks(rep_->db->SyncWAL(), "syncing metadata"));
  }
  uint64_t key = rep_->db->GetLatestSequenceNumber();
  {
    // Every pending batch is <= key: the checkpoint that follows covers it.
    MutexLock lock(&rep_->pending_mu);
    rep_->pending.clear();
    rep_->pending_bytes = 0;
    rep_->pending_overflow = false;
  }
  Status s = rep_->journal.open(dirs, key, {}, {}, key);
  rep_->journaling.store(true, std::memory_order_release);
  SKY_RETURN_IF_ERROR(s);
  return key;
}

namespace {

// The sequence reached from `from` through contiguous batches of `counts`
// (sequence -> operation count).
uint64_t chain_end(const std::map<uint64_t, uint32_t>& counts, uint64_t from) {
  uint64_t cur = from;
  for (auto it = counts.find(cur + 1); it != counts.end(); it = counts.find(cur + 1)) {
    cur += it->second;
  }
  return cur;
}

}  // namespace

Result<size_t> MetaStore::resume_journal(const std::vector<std::string>& dirs) {
  SegmentSwitch hold(rep_->gate);
  rep_->journal.close();
  const uint64_t latest = rep_->db->GetLatestSequenceNumber();
  uint64_t key = 0;
  bool any = false;
  for (const auto& d : dirs) {
    auto segs = MetaJournal::list_segments(d);
    if (!segs.empty() && (!any || segs.rbegin()->first > key)) key = segs.rbegin()->first;
    any = any || !segs.empty();
  }
  std::vector<JournalRecord> pending;
  {
    MutexLock lock(&rep_->pending_mu);
    if (rep_->pending_overflow) {
      spdlog::warn("metadata journal: too many commits before it opened");
      return size_t{0};
    }
    for (const auto& r : rep_->pending) {
      if (r.seq > key) pending.push_back(r);
    }
  }
  if (!any || key > latest) return size_t{0};
  std::vector<std::string> use;
  std::vector<uint64_t> keep;
  for (const auto& d : dirs) {
    auto segs = MetaJournal::list_segments(d);
    auto it = segs.find(key);
    if (it == segs.end()) continue;
    auto scan = MetaJournal::read_segment(it->second);
    if (!scan.is_ok()) {
      spdlog::warn("metadata journal: {}", scan.status().to_string());
      continue;
    }
    std::map<uint64_t, uint32_t> counts;
    for (const auto& r : scan->records) counts[r.seq] = r.count;
    for (const auto& r : pending) counts[r.seq] = r.count;
    if (!counts.empty() && counts.rbegin()->first > latest) {
      spdlog::warn("metadata journal: {} holds batches this database never had", it->second);
      return size_t{0};
    }
    uint64_t end = chain_end(counts, key);
    if (end != latest) {
      spdlog::warn("metadata journal: {} reaches sequence {} of {}", it->second, end, latest);
      return size_t{0};
    }
    use.push_back(d);
    keep.push_back(scan->valid_bytes);
  }
  if (use.empty()) return size_t{0};
  Status s = rep_->journal.open(use, key, keep, pending, latest);
  rep_->journaling.store(true, std::memory_order_release);
  if (!s.is_ok()) return s;
  MutexLock lock(&rep_->pending_mu);
  rep_->pending.clear();
  rep_->pending_bytes = 0;
  return rep_->journal.health().targets.size();
}

Result<MetaStore::JournalReplay> MetaStore::replay_journal(const std::vector<std::string>& dirs) {
  JournalReplay out;
  out.start_sequence = out.last_sequence = rep_->db->GetLatestSequenceNumber();
  // Every copy of every segment; copies of one segment are merged, so a
  // record missing from one (dropped target, torn tail) is taken from another.
  std::map<uint64_t, std::map<uint64_t, std::string>> segments;  // key -> seq -> batch
  for (const auto& d : dirs) {
    for (const auto& [key, path] : MetaJournal::list_segments(d)) {
      auto scan = MetaJournal::read_segment(path);
      if (!scan.is_ok()) {
        spdlog::warn("journal replay: {}", scan.status().to_string());
        continue;
      }
      out.segments++;
      if (scan->valid_bytes < scan->file_bytes) out.torn_tails++;
      auto& recs = segments[key];
      for (auto& r : scan->records) recs.emplace(r.seq, std::move(r.batch));
    }
  }
  uint64_t cur = out.start_sequence;
  // The segment holding cur + 1 is the newest one whose key is <= cur.
  auto seg = segments.upper_bound(cur);
  if (seg == segments.begin()) {
    out.stopped = segments.empty() ? "no journal" : "journal starts after the checkpoint";
    return out;
  }
  --seg;
  rocksdb::WriteOptions wo;
  for (;;) {
    auto rec = seg->second.find(cur + 1);
    if (rec == seg->second.end()) {
      auto next = std::next(seg);
      if (next != segments.end() && next->first == cur) {
        seg = next;
        continue;
      }
      out.stopped = next == segments.end() ? "end of journal"
                                           : "batch " + std::to_string(cur + 1) + " missing";
      break;
    }
    rocksdb::WriteBatch wb(rec->second);
    uint32_t count = MetaJournal::batch_count(rec->second);
    SKY_RETURN_IF_ERROR(from_rocks(rep_->db->Write(wo, &wb), "journal replay"));
    uint64_t now = rep_->db->GetLatestSequenceNumber();
    if (now != cur + count) {
      return Status::corruption("journal replay: batch " + std::to_string(cur + 1) +
                                " ended at sequence " + std::to_string(now));
    }
    cur = now;
    out.batches++;
  }
  SKY_RETURN_IF_ERROR(from_rocks(rep_->db->FlushWAL(true), "syncing replayed metadata"));
  out.last_sequence = cur;
  return out;
}

}  // namespace skyarray
