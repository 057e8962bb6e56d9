// CheckpointLine: the lines of a metadata checkpoint in the cloud (format in
// cloud_checkpoint.h), encoded and decoded in one place: the header, one
// line per version or delete marker, and the end line. CheckpointWriter
// writes them, CheckpointReader reads them back.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "services/objects/object_types.h"

namespace skyarray::services {

struct CheckpointLine {
  enum class Kind { kHeader, kVersion, kEnd };
  Kind kind = Kind::kVersion;

  // kHeader
  int64_t format = 0;  // "v": 1 or 2
  std::string bucket;
  VersioningState versioning = VersioningState::kUnversioned;
  ObjectLockConfiguration object_lock;  // "lock", when the bucket has Object Lock
  int64_t created_ns = 0;
  // kHeader of format 1 and kEnd: the version lines announced
  uint64_t versions = 0;

  // kVersion
  std::string key;
  ImportedObject version;  // owner is not carried

  // One line of text, without its '\n'.
  static std::string header(const std::string& bucket, VersioningState versioning,
                            const ObjectLockConfiguration& object_lock, int64_t created_ns);
  static std::string version_line(const std::string& key, const ImportedObject& version);
  static std::string end(uint64_t versions);

  // A line read back. `header_line` tells the first line of a checkpoint
  // from the others; a later line is kEnd when it has "end", else kVersion.
  // kCorruption when it is not a JSON object. Missing or mistyped fields
  // read as defaults, as older writers may have left them out.
  static Result<CheckpointLine> decode(std::string_view text, bool header_line);
};

}  // namespace skyarray::services
