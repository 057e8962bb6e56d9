// StorageService: the array's drives and self-healing, as the admin API and
// the metrics endpoint see them. A thin facade over store/BlobStore so that
// protocol code never touches the store: it moves the blocking store calls
// onto the runtime's blocking pool and gathers one consistent-enough health
// snapshot for `skyarray admin health`, GET /admin/v1/health and /metrics.
//
// Drive operations (blob_store.h documents the state machine):
//   add      open/format a new drive directory and start placing data on it
//   fail     take a drive out of service now; its chunks are re-replicated
//            from the other copies
//   drain    stop writing a drive and move its data away, keeping every
//            copy until its replacement is recorded
//   online   return a failed or drained drive; stale files are reconciled
//   replace  add a new drive in the old one's failure domain and fail the old
//   remove   forget a drive that holds no data any more (after drain/fail)
//
// Thread safety: all methods may be called concurrently from any coroutine.
// Errors: kNotFound (unknown drive), kNotEmpty (remove of a drive still
// holding data), kConflict (a removed drive), kInvalidArgument, and the
// store's I/O errors.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/async.h"
#include "common/status.h"
#include "store/blob_store.h"

namespace skyarray {
class Runtime;
}

namespace skyarray::services {

struct NewDrive {
  std::string path;
  std::string label;  // "node/enclosure/bay"; empty: bay = path (add) or the old drive's (replace)
  double weight = 1.0;
  uint64_t capacity = 0;
};

struct StorageHealth {
  StoreStats store;               // drives, array space, I/O and integrity counters
  RebuildProgress rebuild;        // re-replication queue and progress
  ScrubProgress scrub;            // scrub progress and findings
  MetaProtectionStatus metadata;  // checkpoints and metadata journal
  uint64_t drives_online = 0;
  uint64_t drives_degraded = 0;
  uint64_t drives_offline = 0;
  uint64_t drives_draining = 0;
  // "ok": all drives online, nothing queued or lost; "degraded": redundancy
  // below target somewhere (rebuild pending), a drive not online, or
  // metadata protection not "ok" (a journal copy lost);
  // "data-loss": some chunk has no readable copy, or a block no replica
  // serves (StoreStats::lost: recorded by the read or scrub that met it).
  std::string status;
};

class StorageService {
 public:
  StorageService(Runtime& runtime, BlobStore& store) : runtime_(runtime), store_(store) {}

  Task<Result<std::vector<DriveReport>>> list_drives();
  Task<Result<DriveReport>> add_drive(NewDrive drive);
  Task<Status> fail_drive(uint32_t id);
  Task<Status> drain_drive(uint32_t id);
  Task<Status> online_drive(uint32_t id);
  Task<Result<DriveReport>> replace_drive(uint32_t id, NewDrive drive);
  Task<Status> remove_drive(uint32_t id);

  Task<Result<StorageHealth>> health();
  // Starts a scrub pass now rather than at the next scheduled time.
  Task<Status> start_scrub();
  // Checkpoints the metadata to the data drives now (what recover-metadata
  // restores from).
  Task<Status> checkpoint();

 private:
  Result<DriveConfig> drive_config(const NewDrive& drive, bool label_optional) const;
  Result<DriveReport> report(uint32_t id) const;

  Runtime& runtime_;
  BlobStore& store_;
};

}  // namespace skyarray::services
