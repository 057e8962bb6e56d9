// SavedRestore: the persistent state of a restore, kept in metadata
// ("cloud/r/<bucket>", UploadQueue::set_restore_state) so that a restart
// resumes it: the metadata phase runs again, the prefetch resumes after its
// cursor.
//
// Format, version 1 (JSON):
//   {"v":1,"target":..,"owner":..,"mode":"sync"|"cache","phase":"metadata"|"prefetch",
//    "cursor":<prefetch: last key of the last finished page>}
#pragma once

#include <string>

#include "common/status.h"
#include "services/cloud/cloud_config.h"

namespace skyarray::services {

class UploadQueue;

struct SavedRestore {
  std::string target;
  std::string owner;
  LinkMode mode = LinkMode::kSync;
  std::string phase;   // "metadata" | "prefetch"
  std::string cursor;  // prefetch: last key of the last finished page

  std::string encode() const;
  static Result<SavedRestore> decode(const std::string& text);

  // Whether `bucket` has a restore in its metadata phase (blocks: call on
  // the blocking pool). A checkpoint of such a bucket would replace the one
  // its restore reads with a partial one.
  static bool in_metadata_phase(const UploadQueue& queue, const std::string& bucket);
};

}  // namespace skyarray::services
