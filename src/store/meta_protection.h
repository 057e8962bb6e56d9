// MetaProtection: keeps the metadata recoverable when its drive is lost.
//
// Two things live on `checkpoint_copies` data drives (the writable ones
// with the most free space):
//   <drive>/meta-checkpoints/<ms>   RocksDB checkpoints (two newest kept)
//   <drive>/meta-journal/<seq>.mjl  the metadata journal (meta/meta_journal.h):
//                                   every commit since the checkpoint
// A checkpoint first starts a new journal segment on its drives, then
// writes the checkpoint; once one copy is durable, segments older than the
// previous checkpoint's are deleted (that checkpoint stays usable).
// `skyarray admin recover-metadata` (store/metadata_recovery.h) restores
// the newest checkpoint and replays the journal after it.
//
// At open, before anything commits, the journal is replayed past RocksDB's
// latest sequence (replay_at_open): the journal is the synced log of each
// commit and RocksDB writes its own log unsynced (meta/meta_store.h), so a
// power loss can leave RocksDB short of acknowledged commits that the
// journal holds. After a kill -9 RocksDB has them all: nothing to replay.
//
// Then the newest segment is resumed when every copy of it holds every
// commit up to RocksDB's latest sequence. Otherwise (first start, a crash
// between a RocksDB commit and its journal append, metadata restored by
// recover-metadata, a drive that missed appends) a checkpoint is taken at
// once, which starts a new segment.
//
// A checkpoint is also taken when the journal has lost a copy (to put the
// segment on healthy drives) and when the segment passes
// kJournalCheckpointBytes (bounding replay time and journal space).
//
// Thread safety: all methods may be called concurrently.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/mutex.h"
#include "common/status.h"
#include "meta/meta_journal.h"

namespace skyarray {

class Drive;
struct DriveConfig;
class DriveSet;
class MetaStore;

struct MetaProtectionStatus {
  // "ok": journal copies on every wanted drive; "reduced": some journal
  // copy was dropped, at least one is left; "degraded": commits are not
  // mirrored (no journal copy, no checkpoint); "off": checkpoint_copies = 0.
  std::string state = "off";
  std::string reason;
  int64_t last_checkpoint_ms = 0;  // wall clock; 0 = none since start
  uint64_t last_checkpoint_sequence = 0;
  std::string last_checkpoint_error;  // of the last attempt, if it failed
  uint64_t sequence = 0;              // RocksDB's latest sequence
  MetaJournalHealth journal;
};

class MetaProtection {
 public:
  static constexpr uint64_t kJournalCheckpointBytes = 1ull << 30;

  // Checkpoints and the journal go to `checkpoint_copies` of `drives`
  // (0: off). Both must outlive it.
  MetaProtection(MetaStore* meta, DriveSet* drives, int checkpoint_copies)
      : meta_(meta), drives_(drives), checkpoint_copies_(checkpoint_copies) {}

  static std::string journal_dir(const std::string& drive_path) {
    return drive_path + "/meta-journal";
  }

  // At store open, before anything reads or commits: brings RocksDB up to
  // the journal of the configured drives whose identity names `array_id`
  // (see above), then drops journal records past where replay stopped.
  // Returns how many batches were replayed; an error when a batch could not
  // be applied or a segment rewritten (the store must not open then).
  static Result<uint64_t> replay_at_open(MetaStore* meta, const std::vector<DriveConfig>& drives,
                                         const std::string& array_id);
  // At store open: resumes the journal or checkpoints (see above). Errors
  // are logged and shown by status(); the store opens either way.
  void open();
  // Starts a new journal segment and checkpoints the metadata to the
  // target drives, keeping the two newest checkpoints per drive. Blocking.
  Status checkpoint() EXCLUDES(checkpoint_mu_, mu_);
  // The background loop should checkpoint now (a journal copy was lost, or
  // the segment is large). Failed attempts are retried at most every 30 s.
  bool wants_checkpoint() const;
  MetaProtectionStatus status() const;

 private:
  // The writable drives with the most free space, at most checkpoint_copies.
  std::vector<Drive*> checkpoint_targets() const;
  // Writes checkpoint `name` to the drive and keeps its two newest.
  Status write_checkpoint(Drive& d, const std::string& name, uint64_t* sequence);
  void prune_journal(uint64_t keep_from);

  MetaStore* const meta_;
  DriveSet* const drives_;
  const int checkpoint_copies_;
  Mutex checkpoint_mu_;  // one checkpoint at a time
  mutable Mutex mu_;     // the fields below
  bool have_previous_ GUARDED_BY(mu_) = false;
  // Segment started by the last durable checkpoint.
  uint64_t previous_segment_ GUARDED_BY(mu_) = 0;
  int64_t last_ms_ GUARDED_BY(mu_) = 0;
  uint64_t last_sequence_ GUARDED_BY(mu_) = 0;
  std::string last_error_ GUARDED_BY(mu_);
  int64_t last_attempt_ms_ GUARDED_BY(mu_) = 0;
};

}  // namespace skyarray
