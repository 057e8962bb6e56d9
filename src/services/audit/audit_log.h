// AuditLog: the tamper-evident audit log of the box. Every S3 request and
// admin API call becomes one record (audit_record.h) chained by SHA-256 to
// the one before it.
//
// Files: <dir>/segment-<16 hex digits>.log, mode 0600, in a 0700 directory.
// Records are appended to the newest segment; once it passes
// `segment_size` bytes or `segment_age` it is sealed (a seal record, whose
// `prev` is the hash of the segment's last record) and the next segment's
// first record links to that seal. Each start seals the segment the last
// run left open, after cutting off an incomplete last line a crash may have
// left (the seal counts those bytes in `torn`), and opens a new one.
//
// Durability, and why this way. The record is written to its file with
// write(2) on the caller's thread, under the log's lock, before the
// answer goes out: a page-cache write of a few hundred bytes, which costs a
// GET microseconds and survives kill -9 (the kernel has the bytes), so no
// acknowledged request of any kind loses its record to a process crash. A
// dedicated sync thread then fdatasyncs the file in groups: a mutating
// request (PUT, POST, DELETE) awaits that sync before its answer (one sync
// covers every record written meanwhile, as the metadata journal's group
// commit does, and the wait holds no thread: a CommitTicket), so a power
// loss never takes the record of an acknowledged change; reads do not wait,
// and their records reach the disk within `kIdleSync` at the latest.
// Writing the record into the object service's own commit batch would tie
// the record to the change even for a request that dies before its answer,
// but it would put the log into the metadata store, cover only the object
// changes (not reads, refusals or admin calls) and reach into every write
// path; a request that crashes between its commit and its record was never
// acknowledged, so the promise holds without it.
//
// A write that fails (a full disk) is cut back off the file, so the chain
// stays whole; that record is lost, record() says so, and the door logs
// it and answers anyway (the request already took effect). A failed sync
// fails the records waiting for it; the next round tries again.
//
// Thread safety: every method may be called from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/async.h"
#include "common/mutex.h"
#include "common/status.h"
#include "common/time.h"
#include "common/unique_fd.h"
#include "meta/commit_ticket.h"
#include "services/audit/audit_chain.h"
#include "services/audit/audit_options.h"
#include "services/audit/audit_record.h"
#include "services/audit/audit_recorder.h"

namespace skyarray {
class Runtime;
}

namespace skyarray::services::audit {

// A page of exported records: each line as stored (JSON, verifiable on its
// own), oldest first. `more`: call again with after_seq = next_after.
struct AuditPage {
  std::vector<std::string> lines;
  uint64_t next_after = 0;
  bool more = false;
};

class AuditLog final : public AuditRecorder {
 public:
  // Longest a written record waits for its sync when nobody awaits it.
  static constexpr std::chrono::milliseconds kIdleSync{200};

  // Opens (creating) options.dir, seals the segment a previous run left
  // open and starts a new one. `runtime` runs verify() and export_since()
  // on its blocking pool.
  static Result<std::unique_ptr<AuditLog>> open(Runtime& runtime, AuditOptions options);
  // Syncs what was written and stops the sync thread.
  ~AuditLog() override;
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  Task<Status> record(AuditEvent event) override;

  // The blocking core of record(): writes the record and returns its seq;
  // with `synced`, the ticket completes once the record is on disk.
  Result<uint64_t> append(const AuditEvent& event, const CommitTicket* synced);
  // Waits until every record written so far is on disk.
  Status sync();

  // Checks every segment up to the last record written (audit_chain.h).
  Task<Result<AuditVerifyReport>> verify();
  Result<AuditVerifyReport> verify_blocking();
  // Checks the segments in `dir` with no running log (a copy kept
  // elsewhere, a stopped box): as verify(), except that the newest segment
  // may lack its seal and its end cannot be checked against the head.
  static Result<AuditVerifyReport> verify_dir(const std::string& dir);
  // Records whose time is at or after `since` and seq above `after_seq`,
  // at most `limit`.
  Task<Result<AuditPage>> export_since(Timestamp since, uint64_t after_seq, size_t limit);
  Result<AuditPage> export_blocking(Timestamp since, uint64_t after_seq, size_t limit);

  // "segment-0000000000000003.log".
  static std::string segment_name(uint64_t number);
  const std::string& dir() const { return options_.dir; }

  // Since this process started (for /metrics).
  struct Counters {
    uint64_t records = 0;       // records written (seals included)
    uint64_t write_errors = 0;  // records lost to a failed write
    uint64_t sync_errors = 0;   // failed syncs (their records are in the file)
    uint64_t segment = 0;       // the segment being written
  };
  Counters counters() const;
  // The segment being written; every lower-numbered one is sealed.
  uint64_t active_segment() const;

 private:
  struct Segment {
    uint64_t number = 0;
    std::shared_ptr<UniqueFd> fd;
    uint64_t size = 0;
    uint64_t records = 0;
    Timestamp opened;
  };
  struct Waiter {
    uint64_t seq;
    CommitTicket ticket;
  };

  AuditLog(Runtime& runtime, AuditOptions options);
  Status recover();
  Status write_record(AuditRecord& record) REQUIRES(mu_);
  Status seal_and_start_next(uint64_t torn) REQUIRES(mu_);
  Result<UniqueFd> create_segment(uint64_t number) const;
  Status start_segment(uint64_t number) REQUIRES(mu_);
  static Result<std::vector<uint64_t>> list_segments(const std::string& dir);
  void sync_loop();

  Runtime& runtime_;
  const AuditOptions options_;

  mutable Mutex mu_;
  CondVar cv_{&mu_};
  Segment active_ GUARDED_BY(mu_);
  uint64_t next_seq_ GUARDED_BY(mu_) = 1;
  std::string last_hash_ GUARDED_BY(mu_);
  uint64_t written_seq_ GUARDED_BY(mu_) = 0;
  uint64_t synced_seq_ GUARDED_BY(mu_) = 0;
  // Sealed segments whose last bytes are not synced yet.
  std::vector<std::shared_ptr<UniqueFd>> retired_ GUARDED_BY(mu_);
  bool dir_dirty_ GUARDED_BY(mu_) = false;
  std::vector<Waiter> waiting_ GUARDED_BY(mu_);
  bool stop_ GUARDED_BY(mu_) = false;
  Counters counters_ GUARDED_BY(mu_);
  std::thread syncer_;
};

}  // namespace skyarray::services::audit
