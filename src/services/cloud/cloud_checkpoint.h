// Metadata checkpoints in the cloud: what the 1:1 object copy cannot carry
// (version ids, older versions, delete markers, the bucket's versioning
// state) is uploaded every `checkpoint_interval` as one compact JSON-lines
// object per linked bucket (CheckpointWriter), and read back by restore
// (CheckpointReader).
//
//   <prefix>.skyarray/checkpoints/<created ns, 20 digits>.jsonl
//   line 1: {"v":2,"bucket":..,"versioning":"enabled"|"suspended"|"",
//            "created_ns":n[,"lock":{"mode":"GOVERNANCE"|"COMPLIANCE"|"",
//            "days":n,"years":n}]}  (lock: the bucket has Object Lock)
//   then one line per version or delete marker, in key order (the order of
//   ListObjectVersions: bytewise by key) and newest first within a key:
//            {"k":key,"id":version id,"dm":bool,"size":n,"etag":..,"mtime":ns,
//             "ct":..,"ce":..,"cd":..,"cc":..,"meta":{..},"tags":{..}
//             [,"lm":"GOVERNANCE"|"COMPLIANCE","lu":retain-until ns][,"lh":true]}
//            (lm/lu/lh: the version's Object Lock, only when set)
//   last line: {"end":true,"versions":n}   (n: the lines in between)
// Version 1 (still read) had "versions":n in line 1 and no last line. A
// checkpoint whose count does not match (v2: no end line), or whose keys are
// out of order, is torn or foreign and skipped for an older one.
//
// Bounded memory both ways: the lines are cut into `checkpoint_part_size`
// parts as they are produced and sent as one multipart upload when more
// than one part is needed (one PUT otherwise; a failed upload is aborted),
// each part with its Content-MD5 and CRC32C; restore reads the object back
// in ranged GETs of that size, one key's versions at a time. Encrypted
// targets are the exception on the write side: their multipart layout is
// fixed by the object's size at create_multipart, so their checkpoints are
// assembled whole and PUT.
//
// The two newest checkpoints are kept (a restore racing with an upload
// still finds a complete one).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/async.h"
#include "common/status.h"
#include "services/cloud/cloud_config.h"
#include "services/cloud/cloud_target.h"
#include "services/objects/object_types.h"

namespace skyarray::services {

// The format version written (1 and 2 are read).
inline constexpr int kCheckpointFormat = 2;

// "<prefix>.skyarray/checkpoints/": where a target's checkpoints live.
std::string checkpoint_prefix(const CloudTargetConfig& cfg);

// The names (cloud keys) of a target's checkpoints, oldest first.
Task<Result<std::vector<std::string>>> list_checkpoints(CloudTarget& target,
                                                        const CloudTargetConfig& cfg);

// A metadata checkpoint found in the cloud: its header.
struct CloudCheckpoint {
  std::string name;  // its cloud key
  int64_t created_ns = 0;
  VersioningState versioning = VersioningState::kUnversioned;
  ObjectLockConfiguration object_lock;  // header "lock"
};

// Reads one checkpoint key by key, in ranged GETs of `piece` bytes: holds
// one piece, one line and the versions of one key, whatever the size of the
// bucket. Bound to the target's event loop, like the target; one coroutine
// at a time.
class CheckpointReader {
 public:
  ~CheckpointReader();

  // Opens checkpoint `name` and reads its header. kCorruption when it is
  // not a checkpoint; otherwise the cloud's errors.
  static Task<Result<std::unique_ptr<CheckpointReader>>> open(CloudTarget& target,
                                                              const std::string& name,
                                                              uint64_t piece);

  const CloudCheckpoint& checkpoint() const;

  // The next key and its versions and delete markers, oldest first, in
  // `key` and `versions` (both replaced); false after the last key. Keys
  // come in strictly increasing byte order. kCorruption when the rest of
  // the object is not a whole checkpoint (a bad line, a key out of order,
  // a missing end line or a count that does not match — reported at the
  // latest when the end is reached); otherwise the cloud's errors.
  Task<Result<bool>> next(std::string& key, std::vector<ImportedObject>& versions);

  // Version lines read so far.
  uint64_t lines() const;

  // The newest checkpoint of target `cfg` that reads back whole (read
  // through once, in pieces of `piece` bytes, to check it); nullopt when
  // there is none. A torn or foreign one is skipped for an older one; fails
  // only when the cloud does (unavailable, timeout).
  static Task<Result<std::optional<CloudCheckpoint>>> newest(CloudTarget& target,
                                                             const CloudTargetConfig& cfg,
                                                             uint64_t piece);

  struct Impl;

 private:
  explicit CheckpointReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace skyarray::services
