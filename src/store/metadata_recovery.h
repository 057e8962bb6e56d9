// MetadataRecovery: rebuilds a lost metadata directory (the RocksDB on the
// metadata drive) from the newest checkpoint on the data drives, the
// metadata journal after it, and a scan of every chunk file header.
// `skyarray admin recover-metadata` runs it on a stopped array.
//
// Steps:
//   1. Refuse if the metadata directory holds a database (unless `force`,
//      which first moves it aside to <meta>.replaced-<ms>).
//   2. Copy the newest checkpoint that opens (<drive>/meta-checkpoints/<ms>,
//      any readable drive of this array) into the metadata directory.
//   3. Replay the metadata journal (<drive>/meta-journal/<seq>.mjl, every
//      copy on this array's drives; meta/meta_journal.h): the batches
//      committed after the checkpoint, in sequence order, from the segment
//      holding the checkpoint's next sequence onwards. Copies of a segment
//      are merged; a torn tail (crash mid-append) fails its CRC and is
//      ignored; replay stops at the first sequence no copy holds. Every
//      acknowledged commit is in the journal (MetaStore::commit returns
//      after the append), so this restores every acknowledged object,
//      inline or chunked, upload, delete, user, key and queue entry, unless
//      every journal copy was lost too (health shows that as "degraded").
//   4. Scan every chunk file of every drive carrying this array's identity;
//      a header is trusted only when its own CRC holds and its chunk id,
//      length and block CRCs equal the chunk record's. Each record's replica
//      list becomes the drives where such a file was found (placement may
//      have changed since: rebuild, drain, replace), plus listed drives that
//      could not be scanned. A record left with fewer replicas than wanted
//      is queued for re-replication (rr/); one with no replica at all is
//      reported lost.
//   5. Chunk files no record knows (written for a commit that never
//      completed, or newer than a journal that was lost) are not deleted:
//      they move to <drive>/lost+found/ and are counted, so that startup
//      recovery does not remove them as orphans.
//   6. The chunk id epoch is raised above every id seen on disk so new
//      chunks never reuse an id.
// The next `skyarray serve` finds that the journal does not reach the
// restored database's latest commit and takes a checkpoint at once, which
// starts a new journal segment.
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
  uint64_t checkpoint_sequence = 0;  // RocksDB sequence of the checkpoint
  uint64_t journal_segments = 0;     // journal segment files read (all copies)
  uint64_t journal_batches = 0;      // commits replayed from the journal
  uint64_t last_sequence = 0;        // after replay
  std::string journal_stopped;       // why replay ended ("end of journal", ...)
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
