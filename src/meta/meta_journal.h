// MetaJournal: a copy of every metadata commit, appended to files on data
// drives, so that a lost metadata drive loses no acknowledged write.
//
// MetaStore first writes each commit's RocksDB WriteBatch, then appends the
// batch to the current journal segment in every target directory and
// fdatasyncs them: the commit is acknowledged only once the journal holds
// it. While a copy is live the journal is the commit's only synced log
// (RocksDB's WAL is written unsynced; meta/meta_store.h says what each
// crash then needs). Recovery (store/metadata_recovery.h) restores a
// checkpoint and replays the segments after it; every store open replays
// the journal past RocksDB's latest sequence (store/meta_protection.h).
//
// Group commit (meta/group_committer.h): appends queue; one committer
// thread writes everything queued to each target with one write and one
// fdatasync, and completes the appends. The cost of a sync is shared by all
// commits waiting for it, and a commit waiting for its group holds no
// thread when it uses append_async(). Targets are written in parallel: the
// committer writes the first, one long-lived worker thread per other target
// writes its copy (a thread started per group costs more than the sync
// itself).
//
// Segments. Each checkpoint starts a new segment; its key is the RocksDB
// sequence number when it started (at most the checkpoint's own sequence).
// Segment K holds exactly the batches with sequence > K up to the key of the
// next segment (MetaStore switches segments with no commit in flight). The
// records of one segment are not in sequence order (concurrent commits reach
// the journal in any order); replay sorts them.
//
// On disk, format version 1: <dir>/<key as 20 decimal digits>.mjl, a
// sequence of records, each
//   fixed32 crc     CRC32C of the 12 bytes after it and the batch bytes
//   fixed32 length  of the batch bytes (>= 12)
//   fixed64 seq     sequence number of the batch's first operation
//   bytes   batch   rocksdb::WriteBatch::Data(): its own header holds the
//                   operation count (bytes 8..11), the number of sequence
//                   numbers the batch uses
// all little-endian. A record whose CRC or length does not hold ends the
// readable part of a file: a crash mid-append leaves a torn tail that
// readers ignore and that MetaStore truncates before appending again.
//
// Zero-filled space ahead of the records: a file is extended with written
// zeros (kPreallocate at a time) before records reach that space, so an
// append overwrites blocks the file system already maps and its fdatasync
// flushes data only. Appending past the end instead changes the file's size
// and extent map, and every fdatasync becomes a file-system journal commit
// as well, several times slower. A zero length ends the records as a torn
// tail does, so readers need nothing new (a zero tail is not reported torn).
//
// Acknowledgement in sequence order: an append completes only once its
// batch and every batch before it are durable. RocksDB gives out sequence
// numbers as commits reach it, but the appends that follow race to the journal, so
// a later batch can be synced while an earlier one is still on its way.
// Replay stops at the first missing batch (what follows may have read it),
// so acknowledging the later one then would lose it with a crash.
//
// Failure of a target: its append or sync error is logged, the target is
// dropped and commits continue on the others; with none left the journal is
// degraded (health() says so) until the next segment starts. A group that
// no target holds is made durable by the fallback sync instead (MetaStore
// syncs RocksDB's log: set_fallback_sync()); appends fail only when that
// fails too.
//
// Thread safety: append(), append_async(), live() and health() may be
// called concurrently; open() and close() only with no append being
// submitted (MetaStore guarantees it); they first wait for the appends
// already submitted to complete.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/mutex.h"
#include "common/status.h"
#include "meta/group_committer.h"

namespace skyarray {

struct JournalRecord {
  uint64_t seq = 0;
  uint32_t count = 0;  // sequence numbers used: seq .. seq + count - 1
  std::string batch;   // WriteBatch rep
};

// What a reader found in one segment file.
struct JournalSegmentScan {
  std::vector<JournalRecord> records;  // valid records, in file order
  uint64_t valid_bytes = 0;            // end of the last valid record
  uint64_t file_bytes = 0;             // larger when the tail is torn or damaged
                                       // (zeros of preallocated space excluded)
};

struct MetaJournalHealth {
  bool attached = false;             // a segment is open (false before startup finishes)
  uint64_t segment = 0;              // key of the current segment
  std::vector<std::string> targets;  // directories written
  std::vector<std::string> failed;   // directories dropped after an error
  uint64_t records = 0;              // since the segment started
  uint64_t bytes = 0;                // size of the current segment
  uint64_t syncs = 0;                // group writes since start
  uint64_t appends = 0;              // records since start
  uint64_t fallback_syncs = 0;       // groups no copy held, synced by the fallback
  // A segment is open but no target is left: commits are not mirrored.
  bool degraded() const { return attached && targets.size() == failed.size(); }
};

class MetaJournal {
 public:
  // Zero-filled space added at a time ahead of the records (see above).
  static constexpr uint64_t kPreallocate = 8 << 20;

  MetaJournal() = default;
  ~MetaJournal();
  MetaJournal(const MetaJournal&) = delete;
  MetaJournal& operator=(const MetaJournal&) = delete;

  static std::string segment_name(uint64_t key);
  static bool parse_segment_name(std::string_view name, uint64_t* key);
  // Segments in `dir` by key (missing directory: none).
  static std::map<uint64_t, std::string> list_segments(const std::string& dir);
  static std::string encode_record(uint64_t seq, std::string_view batch);
  // Reads the valid prefix of a segment file.
  static Result<JournalSegmentScan> read_segment(const std::string& path);
  // The operation count a WriteBatch rep declares (0 when too short).
  static uint32_t batch_count(std::string_view batch);

  // Opens segment `key` in each directory: truncated to keep_bytes[i] when
  // given (resuming an existing segment), else created empty. Then writes
  // `initial` records and syncs. Every batch up to `durable_through` is in
  // the journal once this returns (`key` for a new segment). A directory
  // that fails is logged and kept as a failed target (health() lists it);
  // error only when none opens.
  Status open(const std::vector<std::string>& dirs, uint64_t key,
              const std::vector<uint64_t>& keep_bytes, const std::vector<JournalRecord>& initial,
              uint64_t durable_through);
  void close();

  // Appends one committed batch durably to every live target (group
  // commit) and waits for the batches before it (see above). A target's
  // error drops it (logged, see health()); an error only when no target
  // holds the batch and the fallback sync failed.
  Status append(uint64_t seq, std::string_view batch);
  // The same without waiting: `done` runs on the committer thread once
  // append() would have returned (it must not block).
  void append_async(uint64_t seq, std::string_view batch, GroupCommitter::Done done);

  // Makes a group durable when no target is left to hold it.
  void set_fallback_sync(std::function<Status()> sync);
  // A segment is open and at least one copy is written.
  bool live() const;

  MetaJournalHealth health() const;

 private:
  struct Target {
    std::string dir;
    std::string path;
    int fd = -1;
    uint64_t size = 0;       // end of the records
    uint64_t allocated = 0;  // end of the file: zeros after `size`
    bool failed = false;
  };
  Status write_group(const std::string& bytes, uint64_t records);
  Status write_target(Target& t, const std::string& bytes);
  void drop_target(Target& t, const Status& why);
  void start_workers();
  void stop_workers();
  void worker_loop(size_t index, uint64_t seen_gen);

  // Workers for targets 1..n-1 (see above). A group is handed to them as
  // job_ and job_gen_; each reports in job_results_ and job_pending_.
  Mutex job_mu_;
  CondVar job_cv_{&job_mu_};
  CondVar job_done_cv_{&job_mu_};
  std::vector<std::thread> workers_;
  const std::string* job_ GUARDED_BY(job_mu_) = nullptr;
  uint64_t job_gen_ GUARDED_BY(job_mu_) = 0;
  size_t job_pending_ GUARDED_BY(job_mu_) = 0;
  // Entry i is written by the writer of target i and read by the committer
  // once job_pending_ reached 0: handed over by job_mu_, not held under it.
  std::vector<Status> job_results_;
  bool job_stop_ GUARDED_BY(job_mu_) = false;

  std::function<Status()> fallback_sync_;

  // Targets change only under open()/close() (no writer) and the committer
  // thread; health() reads them under state_mu_.
  mutable Mutex state_mu_;
  std::vector<Target> targets_;
  bool attached_ GUARDED_BY(state_mu_) = false;
  uint64_t key_ GUARDED_BY(state_mu_) = 0;
  uint64_t records_ GUARDED_BY(state_mu_) = 0;
  uint64_t bytes_ GUARDED_BY(state_mu_) = 0;
  uint64_t syncs_ GUARDED_BY(state_mu_) = 0;
  uint64_t appends_ GUARDED_BY(state_mu_) = 0;
  uint64_t fallback_syncs_ GUARDED_BY(state_mu_) = 0;

  // Last: its thread calls write_group(), so it stops first.
  GroupCommitter committer_{
      [this](const std::string& bytes, size_t records) { return write_group(bytes, records); }};
};

}  // namespace skyarray
