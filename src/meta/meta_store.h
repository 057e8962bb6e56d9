// MetaStore: the array's metadata on RocksDB.
//
// Every durable state change of the array is one MetaBatch handed to
// commit() (or apply()): one RocksDB WriteBatch. Its durability is the
// acknowledgement (DESIGN.md, "Data"): after a crash either the whole batch
// is visible or none of it. Records of different kinds live in separate
// column families (MetaCf); keys are built with meta/key_codec.h so that
// listings are range scans.
//
// Journal: once a journal segment is started or resumed (meta_journal.h),
// every commit is also appended to the journal copies on the data drives
// before it is acknowledged, so a lost metadata drive loses no
// acknowledged commit. Commits before that (while the store opens) are held
// in memory and written first when the segment opens.
//
// One synced log per commit. While a journal copy is live, the journal is
// the synced log: RocksDB writes its WAL without syncing it (the write
// reaches the page cache before the commit returns), the journal's group
// commit syncs every copy once per group, and that sync acknowledges the
// commit. Before the journal opens, with no copy left, or with sync off,
// RocksDB syncs its WAL as before (and a group no copy holds is synced
// through RocksDB's log, MetaJournal::set_fallback_sync). What each crash
// needs at restart:
//   - kill -9 (the process dies, the kernel lives): RocksDB's unsynced WAL
//     writes are in the page cache and reach the disk; RocksDB reopens with
//     every commit it had. The journal may lack the last ones (killed
//     between the RocksDB write and the append): resume_journal() sees the
//     journal lag and the store checkpoints, as before.
//   - Power loss (or a kernel crash): RocksDB's WAL may lose its unsynced
//     tail; RocksDB recovers to a consistent prefix (point-in-time
//     recovery: it stops at the first damaged record, and a memtable flush
//     syncs the WAL it covers first). Every acknowledged commit is in the
//     journal copies, so the store replays the journal past RocksDB's last
//     sequence before anything else commits (replay_journal(), called by
//     store/meta_protection.h at open). A segment switch syncs RocksDB's
//     WAL, so RocksDB never falls back before the current segment's key.
// Visibility: apply() makes a batch visible to readers as soon as RocksDB
// has it, one sync before it is durable. A reader can then see a write
// that a power loss in that window undoes (its writer was never
// acknowledged); kill -9 undoes nothing that was visible.
//
// Thread safety: all methods may be called concurrently from any thread.
// Concurrent commits are grouped by the journal's committer
// (meta/group_committer.h) into one append and fdatasync per copy, and by
// RocksDB's write thread into one WAL write.
// Read-modify-write sequences need the caller's own lock (or counters, see
// MetaBatch::add) since there are no transactions; such a lock can be let go
// once apply() returns (a later batch is acknowledged only after this one).
//
// Blocking: get/commit/scan block on disk; call them from the blocking pool
// (Runtime::blocking), never on a network thread, except inside
// Runtime::cached_or_blocking, where get/scan read memory only and apply()
// never waits: a commit that would (writes stopped, a journal segment
// switch, a RocksDB write stall, a synced write) applies nothing, notes
// Runtime::note_would_block() and fails, to be redone on the pool.
//
// Space (MetaStoreOptions::reserve, common/space_reserve.h): the metadata
// file system keeps `reserve` bytes free. A batch that grows the metadata
// (the default, MetaAdmission::kGrowth) is refused with kNoSpace, before
// anything is written, when committing it would leave less than that; a
// batch that frees space or keeps the array running (kRelease: deletes,
// garbage collection, drive state) may use half of the reserve. The other
// half is for RocksDB's own writes: memtable flushes, compactions, its
// manifest. Below it nothing commits, and reads go on. Callers about to
// accept a write ask check_room() first, so that a client is refused
// before it sends the body. RocksDB errors in the background (a flush
// that hit ENOSPC) stop writes, never the process; the next commit finding
// room again resumes the database (DB::Resume), without a restart. At open
// on a full disk the database is opened read-only when it cannot be opened
// for writing: reads are served, every commit fails with kNoSpace until
// the next start.
//
// Layout on disk: a RocksDB database in `dir` (e.g. <data>/meta). Format
// version 1: column families named by meta_cf_name(), counter values are
// 8-byte little-endian int64 merged by addition.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/space_reserve.h"
#include "common/status.h"
#include "meta/commit_ticket.h"
#include "meta/meta_journal.h"

namespace skyarray {

class ConfigSection;

// Column families. Append only: the names are on disk.
enum class MetaCf : uint8_t {
  kDefault,   // RocksDB's default family: array-wide singletons
  kBuckets,   // buckets, shares, volumes' names and settings
  kObjects,   // object versions (bucket\0key\0inverted-version)
  kChunks,    // chunk records, reference counts (store/)
  kDrives,    // drive registry and array identity (drives/, store/)
  kQueues,    // persistent work queues: cloud upload, GC, rebuild
  kCounters,  // int64 counters updated with MetaBatch::add (bucket stats)
  kUsers,     // users, access keys, policies
  kUploads,   // multipart uploads in progress and their parts
  kFiles,     // file-protocol state: inode table
  kVolumes,   // block volumes, snapshots, block maps
  kDicom,     // DICOM index: patients, studies, series, instances (services/dicom)
  kCount,     // number of families; not a family
};
constexpr size_t kMetaCfCount = static_cast<size_t>(MetaCf::kCount);
std::string_view meta_cf_name(MetaCf cf);

struct MetaStoreOptions {
  uint64_t block_cache_bytes = 256ull << 20;
  uint64_t write_buffer_bytes = 64ull << 20;
  // Free space kept on the metadata file system (see above); 0: none.
  uint64_t reserve_bytes = 1ull << 30;
  // false only for tests and benchmarks that measure something else; a
  // production array always syncs.
  bool sync = true;

  // [meta] block_cache, write_buffer, reserve. The reserve must hold two
  // write buffers (a flush of the two busiest families) unless it is 0.
  static Result<MetaStoreOptions> from_config(const ConfigSection& section);
};

// How a batch is admitted when the metadata file system is short of space.
enum class MetaAdmission : uint8_t {
  kGrowth,   // refused when it would leave less than the reserve free
  kRelease,  // frees space or keeps the array running: may use half the reserve
};

// A set of puts, erases and counter additions applied atomically by
// MetaStore::commit(). Not thread-safe; build it on one thread.
class MetaBatch {
 public:
  MetaBatch();
  ~MetaBatch();
  MetaBatch(MetaBatch&&) noexcept;
  MetaBatch& operator=(MetaBatch&&) noexcept;

  void put(MetaCf cf, std::string_view key, std::string_view value);
  void erase(MetaCf cf, std::string_view key);
  // Adds `delta` to the int64 counter at key (absent = 0). Commutes with
  // concurrent adds from other batches, so counters need no lock. Only on
  // MetaCf::kCounters and MetaCf::kChunks (reference counts); read with
  // MetaStore::get_counter().
  void add(MetaCf cf, std::string_view key, int64_t delta);

  // kGrowth unless set (see MetaAdmission).
  void set_admission(MetaAdmission admission);

  size_t count() const;
  bool empty() const { return count() == 0; }
  // Approximate serialized size, to keep batches reasonably small.
  size_t byte_size() const;

 private:
  friend class MetaStore;
  struct Rep;
  std::unique_ptr<Rep> rep_;
};

// How much of the database a scan reads. kMany (listings) reads each block
// once and leaves the block cache to point lookups; kFew (the versions of one
// key: a lookup in all but name) caches its blocks as get() does.
enum class ScanSpan { kFew, kMany };

// A forward range scan over one family within [lower, upper). Sees a
// consistent snapshot taken when it was created. Not thread-safe.
class MetaIterator {
 public:
  ~MetaIterator();

  // Positions at the first key >= max(key, lower).
  void seek(std::string_view key);
  void seek_to_first();
  bool valid() const;
  // Precondition: valid().
  void next();
  std::string_view key() const;
  std::string_view value() const;
  // An I/O or corruption error that ended the scan early (valid() is false).
  Status status() const;

 private:
  friend class MetaStore;
  struct Rep;
  explicit MetaIterator(std::unique_ptr<Rep> rep);
  std::unique_ptr<Rep> rep_;
};

class MetaStore {
 public:
  // Opens or creates the database in `dir`, creating missing families.
  static Result<std::unique_ptr<MetaStore>> open(const std::string& dir,
                                                 const MetaStoreOptions& options = {});
  ~MetaStore();
  MetaStore(const MetaStore&) = delete;
  MetaStore& operator=(const MetaStore&) = delete;

  // nullopt when the key is absent.
  Result<std::optional<std::string>> get(MetaCf cf, std::string_view key) const;
  // A counter written with MetaBatch::add; 0 when absent.
  Result<int64_t> get_counter(MetaCf cf, std::string_view key) const;

  // Applies the whole batch atomically and durably (one synced log, see
  // above) before returning OK. The batch is consumed. kNoSpace, with a
  // message that says what is full and may be shown to clients, when the
  // metadata file system is short of space (see "Space" above).
  Status commit(MetaBatch batch);
  // Applies the whole batch atomically and returns at once: readers see it
  // now; the ticket completes once it (and every commit before it) is
  // durable. Await the ticket before acknowledging anything. On error
  // nothing of the batch is visible; a ticket that completes with an error
  // leaves a visible batch whose durability is unknown (both logs failed).
  Result<CommitTicket> apply(MetaBatch batch);

  // Admission for a write about to start: kNoSpace (same message) when
  // committing `bytes` more would leave less than the reserve free. One
  // statvfs; no claim is held, commit() checks again.
  Status check_room(uint64_t bytes) const;
  // The metadata file system's space, `available` above the reserve.
  SpaceUsage space() const;
  // Opened read-only because the disk was too full to open it for writing.
  bool read_only() const;

  // Scan of [lower, upper); an empty `upper` means no upper bound.
  std::unique_ptr<MetaIterator> scan(MetaCf cf, std::string lower, std::string upper,
                                     ScanSpan span = ScanSpan::kMany) const;
  // Scan of every key starting with `prefix`.
  std::unique_ptr<MetaIterator> scan_prefix(MetaCf cf, std::string prefix,
                                            ScanSpan span = ScanSpan::kMany) const;

  // Writes a consistent copy of the database into `dir` (which must not
  // exist), hard-linking files when on the same filesystem. Opening that
  // directory with open() gives the state of one committed batch boundary,
  // at a sequence >= *sequence when given.
  Status checkpoint(const std::string& dir, uint64_t* sequence = nullptr);

  // Sequence number of the last committed operation.
  uint64_t latest_sequence() const;

  // Starts a new journal segment in each of `dirs`, keyed by the current
  // sequence, with no commit in flight; returns the key. Call it before
  // checkpoint(): the segment then holds every batch the checkpoint may
  // lack. Error only when no directory could be opened (commits then go
  // unmirrored: journal_health().degraded()).
  Result<uint64_t> start_journal_segment(const std::vector<std::string>& dirs);
  // Continues the newest segment found in `dirs` (after a restart) when
  // every copy of it holds every batch from its key up to the latest
  // sequence; returns how many copies were resumed. 0 means the journal
  // lags (none, a crash between commit and append, another history): the
  // caller must checkpoint with a new segment before relying on it.
  Result<size_t> resume_journal(const std::vector<std::string>& dirs);
  MetaJournalHealth journal_health() const;

  // Recovery: applies, in sequence order, the journal batches following
  // this database's latest sequence, read from every copy of the segments
  // in `dirs`; stops at the first missing or damaged batch. Used by
  // recover-metadata (after restoring a checkpoint) and at every open
  // (after a power loss took RocksDB's unsynced WAL tail), before any
  // commit.
  struct JournalReplay {
    uint64_t start_sequence = 0;  // the database's sequence before replay
    uint64_t last_sequence = 0;   // after replay
    uint64_t batches = 0;         // batches applied
    uint64_t segments = 0;        // segment files read (copies included)
    uint64_t torn_tails = 0;      // files whose end was not a whole record
    std::string stopped;          // why replay ended
  };
  Result<JournalReplay> replay_journal(const std::vector<std::string>& dirs);

  const std::string& dir() const { return dir_; }

 private:
  struct Rep;
  MetaStore(std::string dir, std::unique_ptr<Rep> rep);
  std::string dir_;
  std::unique_ptr<Rep> rep_;
};

}  // namespace skyarray
