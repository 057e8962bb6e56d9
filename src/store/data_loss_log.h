// DataLossLog: chunks with a block that no replica can serve, found by a
// read (recorded at once, when the read fails) or by the scrubber. Each
// stays in the health report until its chunk is collected (the object was
// deleted or overwritten) or a scrub finds every block of it again (a drive
// holding a good copy came back).
//
// Persistent, so a restart does not hide a loss: MetaCf::kQueues key
// "lost/" + u64 chunk id (big-endian) → format version 1, three lines:
//   "1 <first seen, ms since epoch>\n<object>\n<detail>"
// The count of reads that met the loss is kept in memory only.
//
// Thread safety: all methods are thread-safe. record() and clear() commit
// to metadata (blocking) only when the log changes.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/mutex.h"
#include "common/status.h"
#include "store/store_health.h"

namespace skyarray {

class MetaStore;

class DataLossLog {
 public:
  explicit DataLossLog(MetaStore* meta) : meta_(meta) {}

  // Loads the persisted entries (at store open).
  Status load();
  // Notes that chunk_id has a block no replica serves. `object` names what
  // the chunk belongs to (ChunkOwnerNames), `detail` what was found. A
  // chunk already in the log only counts one more read (`by_read`).
  // Returns true when the chunk is new to the log.
  bool record(uint64_t chunk_id, const std::string& object, const std::string& detail,
              bool by_read);
  // Drops the chunk's entry, if any.
  void clear(uint64_t chunk_id);
  bool contains(uint64_t chunk_id) const;
  // Every entry, by chunk id.
  std::vector<LostChunk> list() const;

  static std::string key(uint64_t chunk_id);

 private:
  MetaStore* meta_;
  mutable Mutex mu_;
  std::map<uint64_t, LostChunk> entries_ GUARDED_BY(mu_);
};

}  // namespace skyarray
