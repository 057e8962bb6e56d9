// Drive: one data drive of the array, a directory on a mounted filesystem.
//
// Layout of a drive root (format version 1, see DriveIdentity):
//   skyarray-drive.id          identity (array, drive id, version)
//   chunks/<hh>/<chunk id>     chunk files (store/chunk_file.h), hh = low byte
//   tmp/                       chunk files being written; removed at startup
//   meta-checkpoints/<name>/   RocksDB checkpoints of the metadata
//
// State machine: online → degraded (I/O errors counted past a threshold) →
// offline (unusable: missing, foreign, unreadable), and draining (set by the
// operator: readable, no new chunks). Placement only writes to online drives;
// reads prefer online, then degraded, then draining drives.
//
// Capacity: a drive accepts a write of n bytes only if, after it, the
// filesystem still has `reserve` bytes free and (when a capacity is
// configured) used + n <= capacity - reserve (common/space_reserve.h).
// reserve() claims the bytes before the write starts, so a full drive fails
// with kNoSpace before anything is written, never half-way. The reserve
// holds what is written past that point: metadata journal segments and
// checkpoints (store/meta_protection.h).
//
// Thread safety: all methods are thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "common/mutex.h"
#include "common/space_reserve.h"
#include "common/status.h"

namespace skyarray {

// Failure domain labels, widest first: node / enclosure / bay.
struct DriveLabel {
  std::string node = "local";
  std::string enclosure = "e0";
  std::string bay;

  // "node/enclosure/bay"; parse() accepts 1 to 3 parts ("n1/e2/7").
  std::string to_string() const;
  static Result<DriveLabel> parse(std::string_view text);
};

struct DriveConfig {
  std::string path;
  DriveLabel label;
  double weight = 1.0;    // relative share of new data at equal free space
  uint64_t capacity = 0;  // 0: the filesystem's size; else a quota for this drive
};

enum class DriveState : uint8_t { kOnline, kDegraded, kOffline, kDraining };
std::string_view drive_state_name(DriveState state);

// Test hooks: make this drive's I/O fail as a dying disk would.
enum class DriveFault : uint8_t { kNone, kFailReads, kFailWrites, kFailAll };

// used: chunk bytes on this drive (quota) or the filesystem's used bytes.
using DriveSpace = SpaceUsage;

class Drive {
 public:
  // `id` comes from the drive's identity file (or is assigned when formatting).
  Drive(uint32_t id, DriveConfig config, uint64_t reserve_bytes);

  uint32_t id() const { return id_; }
  const std::string& path() const { return config_.path; }
  const DriveLabel& label() const { return config_.label; }
  double weight() const { return config_.weight; }
  const DriveConfig& config() const { return config_; }

  DriveState state() const { return state_.load(); }
  // Why the drive is not online ("" when it is).
  std::string state_reason() const;
  void set_state(DriveState state, std::string reason);
  bool writable() const { return state() == DriveState::kOnline; }
  bool readable() const { return state() != DriveState::kOffline; }

  // Counts an I/O error seen on this drive; the drive becomes degraded after
  // kDegradedAfterErrors of them. A checksum mismatch (kCorruption) is
  // counted apart and does not degrade the drive: silent bit rot is
  // expected at scale and repaired from replicas by read-repair and scrub;
  // an operator fails a drive that keeps rotting (admin drive fail).
  static constexpr uint64_t kDegradedAfterErrors = 3;
  void note_error(const Status& error);
  uint64_t error_count() const { return errors_.load(); }
  uint64_t checksum_error_count() const { return checksum_errors_.load(); }

  DriveSpace space() const;
  // Claims n bytes for a write about to start; kNoSpace (nothing claimed)
  // when the drive would cross its reserve. Pair with release() if the write
  // fails or the data is deleted.
  Status reserve(uint64_t n);
  void release(uint64_t n);
  // Sets the bytes used by chunk files (startup scan).
  void set_used(uint64_t n) { used_.store(n); }

  void inject_fault(DriveFault fault) { fault_.store(fault); }
  // kIOError when an injected fault covers this kind of I/O.
  Status check_fault(bool is_write) const;

  std::string chunk_dir() const { return config_.path + "/chunks"; }
  std::string tmp_dir() const { return config_.path + "/tmp"; }
  std::string checkpoint_dir() const { return config_.path + "/meta-checkpoints"; }

 private:
  const uint32_t id_;
  const DriveConfig config_;
  const SpaceReserve space_;
  std::atomic<DriveState> state_{DriveState::kOnline};
  std::atomic<uint64_t> errors_{0};
  std::atomic<uint64_t> checksum_errors_{0};
  std::atomic<uint64_t> used_{0};
  std::atomic<DriveFault> fault_{DriveFault::kNone};
  mutable Mutex mu_;  // also makes the reserve check and claim one step
  std::string reason_ GUARDED_BY(mu_);
};

}  // namespace skyarray
