// MetadataRecovery: rebuilds a lost metadata directory (the RocksDB on the
// metadata drive) from the newest checkpoint on the data drives plus a scan
// of every chunk file header. `skyarray admin recover-metadata` runs it on a
// stopped array.
//
// Steps:
//   1. Refuse if the metadata directory holds a database (unless `force`,
//      which first moves it aside to <meta>.replaced-<ms>).
//   2. Copy the newest checkpoint that opens (<drive>/meta-checkpoints/<ms>,
//      any readable drive of this array) into the metadata directory.
//   3. Scan every chunk file of every drive carrying this array's identity;
//      a header is trusted only when its own CRC holds and its chunk id,
//      length and block CRCs equal the chunk record's. Each record's replica
//      list becomes the drives where such a file was found (placement may
//      have changed since the checkpoint: rebuild, drain, replace), plus
//      listed drives that could not be scanned. A record left with fewer
//      replicas than wanted is queued for re-replication (rr/); one with no
//      replica at all is reported lost.
//   4. Chunk files no record knows (written after the checkpoint) are not
//      deleted: they move to <drive>/lost+found/ and are counted, so that
//      startup recovery does not remove them as orphans. Their objects'
//      records were newer than the checkpoint; the cloud tier (if any)
//      holds those objects.
//   5. The chunk id epoch is raised above every id seen on disk so new
//      chunks never reuse an id.
// Objects committed after the checkpoint are therefore not restored
// locally; the checkpoint interval bounds that window (and `skyarray admin
// checkpoint` narrows it on demand).
//
// Not thread-safe; the array must not be running.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"
#include "store/store_options.h"

namespace skyarray {

struct MetadataRecoveryReport {
  std::string checkpoint;  // path of the checkpoint restored
  std::string array_id;
  uint64_t drives_scanned = 0;
  uint64_t chunk_files_scanned = 0;
  uint64_t chunk_records = 0;
  uint64_t records_changed = 0;          // replica lists corrected from the scan
  uint64_t chunks_under_replicated = 0;  // queued for rebuild
  uint64_t chunks_lost = 0;              // no replica found anywhere
  uint64_t files_bad_header = 0;         // damaged or disagreeing headers: not trusted
  uint64_t files_to_lost_found = 0;      // unknown to the checkpoint
};

class MetadataRecovery {
 public:
  static Result<MetadataRecoveryReport> run(const StoreOptions& options, bool force);
};

}  // namespace skyarray
