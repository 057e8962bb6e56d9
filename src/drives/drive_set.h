// DriveSet: the array's data drives.
//
// open() checks every configured drive: a missing or unreadable directory is
// kept as offline (the array still starts; its data is read from other
// replicas), a drive carrying another array's identity is refused — kept
// offline with a clear reason and never written or cleaned — and an empty
// directory is formatted with a new identity. A non-empty directory without
// an identity is refused as well: it may be someone's data.
//
// Thread safety: the set of drives only grows after open() (add()); drive
// pointers stay valid for the DriveSet's lifetime. All methods thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/mutex.h"
#include "common/status.h"
#include "drives/drive.h"

namespace skyarray {

class DriveSet {
 public:
  // `array_id` identifies this array (32 hex digits, kept in its metadata).
  // `next_drive_id` is the first id to give to a newly formatted drive.
  // `known_drives` (path → drive id) are drives this array formatted before: one of them found
  // without its identity (an unmounted mount point, a replaced disk) is
  // reported missing rather than formatted again.
  static Result<std::unique_ptr<DriveSet>> open(
      const std::vector<DriveConfig>& configs, const std::string& array_id, uint32_t next_drive_id,
      uint64_t reserve_bytes, const std::map<std::string, uint32_t>& known_drives = {});

  // Opens and, if empty, formats one more drive. Fails (and adds nothing)
  // when the drive is foreign, not empty without identity, or unusable.
  Result<Drive*> add(const DriveConfig& config);

  std::vector<Drive*> drives() const;
  // nullptr when unknown. Offline drives are found too (a failed drive keeps
  // its id); a drive whose identity could not be read has kUnknownId.
  Drive* find(uint32_t id) const;
  static constexpr uint32_t kUnknownId = UINT32_MAX;
  const std::string& array_id() const { return array_id_; }
  uint32_t next_drive_id() const;

  // Sum over readable drives.
  DriveSpace space() const;

 private:
  DriveSet(std::string array_id, uint32_t next_drive_id, uint64_t reserve_bytes)
      : array_id_(std::move(array_id)), next_id_(next_drive_id), reserve_(reserve_bytes) {}
  // Opens one drive; offline (with reason) rather than failing for
  // missing/foreign drives when `strict` is false.
  // `known_id`: the id this array gave the drive before, if any.
  Result<std::unique_ptr<Drive>> open_one(const DriveConfig& config, bool strict,
                                          std::optional<uint32_t> known_id = std::nullopt);
  // A drive whose identity names this array, as drive `drive_id`; degraded
  // when its file system takes no writes.
  std::unique_ptr<Drive> open_identified(const DriveConfig& config, uint32_t drive_id);
  // Writes a new identity into an empty drive directory.
  Result<std::unique_ptr<Drive>> format(const DriveConfig& config);

  const std::string array_id_;
  mutable Mutex mu_;
  uint32_t next_id_ GUARDED_BY(mu_);
  const uint64_t reserve_;
  std::vector<std::unique_ptr<Drive>> drives_ GUARDED_BY(mu_);
};

// Orders copies for reading: online first, then draining, degraded and
// offline; among equals, starting at `rotation` (mod size), so that readers
// spread over the copies. Each drive's state is read once: a state that
// changed during the sort would break the sort's ordering contract.
void order_for_reading(std::vector<Drive*>* drives, uint64_t rotation);

}  // namespace skyarray
