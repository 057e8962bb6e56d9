#include "store/meta_protection.h"

#include <spdlog/spdlog.h>
#include <algorithm>
#include <chrono>
#include <filesystem>

#include "common/file_util.h"
#include "drives/drive_identity.h"
#include "drives/drive_set.h"
#include "meta/meta_store.h"

namespace skyarray {

namespace fs = std::filesystem;

namespace {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool has_checkpoint(const Drive& d) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(d.checkpoint_dir(), ec)) {
    if (e.is_directory()) return true;
  }
  return false;
}

// Removes from every segment in `dirs` the records past `last`, the
// database's sequence after replay: they follow a batch no copy holds
// (never acknowledged) or belong to a history this database does not have,
// and the sequence numbers after `last` now go to new commits, so a later
// replay must never apply them. Originals are kept: a segment that starts
// past `last` is renamed <name>.stale, one rewritten without its last
// records is kept as <name>.stale-<ms>.
Status drop_records_after(const std::vector<std::string>& dirs, uint64_t last) {
  for (const auto& dir : dirs) {
    for (const auto& [key, path] : MetaJournal::list_segments(dir)) {
      std::error_code ec;
      if (key > last) {
        fs::rename(path, path + ".stale", ec);
        if (ec) return Status::from_errno(ec.value(), "setting aside " + path);
        spdlog::warn("metadata journal: {} is newer than the database; kept as .stale", path);
        continue;
      }
      auto scan = MetaJournal::read_segment(path);
      if (!scan.is_ok()) continue;  // replay skipped it too
      std::string kept;
      size_t dropped = 0;
      for (const auto& r : scan->records) {
        if (r.seq > last) {
          dropped++;
        } else {
          kept += MetaJournal::encode_record(r.seq, r.batch);
        }
      }
      if (dropped == 0) continue;
      spdlog::warn(
          "metadata journal: {} holds {} batches past sequence {} after an unwritten one; "
          "rewritten without them (original kept as .stale-<ms>)",
          path, dropped, last);
      const std::string aside = path + ".stale-" + std::to_string(now_ms());
      fs::rename(path, aside, ec);
      if (ec) return Status::from_errno(ec.value(), "setting aside " + path);
      SKY_RETURN_IF_ERROR(FileUtil::write_file_durably(path, kept));
    }
  }
  return Status();
}

}  // namespace

Result<uint64_t> MetaProtection::replay_at_open(MetaStore* meta,
                                                const std::vector<DriveConfig>& drives,
                                                const std::string& array_id) {
  std::vector<std::string> dirs;
  for (const auto& c : drives) {
    // Only this array's drives: a journal from another array's drive is
    // another history.
    auto id = DriveIdentity::read(c.path);
    if (id.is_ok() && id->array_id == array_id) dirs.push_back(journal_dir(c.path));
  }
  SKY_ASSIGN_OR_RETURN(auto replay, meta->replay_journal(dirs));
  SKY_RETURN_IF_ERROR(drop_records_after(dirs, replay.last_sequence));
  if (replay.batches > 0) {
    spdlog::warn(
        "metadata: {} journal batches replayed after RocksDB's sequence {} (its unsynced log "
        "tail was lost: power loss?), now at sequence {}",
        replay.batches, replay.start_sequence, replay.last_sequence);
  }
  return replay.batches;
}

void MetaProtection::open() {
  if (checkpoint_copies_ <= 0) return;
  std::vector<std::string> dirs;
  bool checkpointed = false;
  size_t writable = 0;
  for (Drive* d : drives_->drives()) {
    if (!d->writable()) continue;
    writable++;
    dirs.push_back(journal_dir(d->path()));
    checkpointed = checkpointed || has_checkpoint(*d);
  }
  size_t wanted = std::min(writable, static_cast<size_t>(checkpoint_copies_));
  auto resumed = meta_->resume_journal(dirs);
  std::string why;
  if (!checkpointed) {
    why = "no checkpoint yet";
  } else if (!resumed.is_ok()) {
    why = resumed.status().to_string();
  } else if (*resumed == 0) {
    why = "the journal does not reach the latest commit";
  } else if (*resumed < wanted) {
    why = "journal on " + std::to_string(*resumed) + " of " + std::to_string(wanted) + " drives";
  }
  if (why.empty()) {
    MutexLock lock(&mu_);
    have_previous_ = true;
    previous_segment_ = meta_->journal_health().segment;
    spdlog::info("metadata journal resumed at segment {} on {} drives", previous_segment_,
                 *resumed);
    return;
  }
  spdlog::info("metadata checkpoint at open: {}", why);
  // Segments beyond the latest commit belong to a history this database
  // does not have (it was restored): never resume or replay them.
  const uint64_t latest = meta_->latest_sequence();
  for (const auto& dir : dirs) {
    for (const auto& [key, path] : MetaJournal::list_segments(dir)) {
      if (key <= latest) continue;
      std::error_code ec;
      fs::rename(path, path + ".stale", ec);
      spdlog::warn("metadata journal: {} is newer than the database; kept as .stale", path);
    }
  }
  if (Status s = checkpoint(); !s.is_ok()) {
    spdlog::error("metadata checkpoint at open failed: {}", s.to_string());
  }
}

Status MetaProtection::checkpoint() {
  MutexLock one(&checkpoint_mu_);
  {
    MutexLock lock(&mu_);
    last_attempt_ms_ = now_ms();
  }
  std::vector<Drive*> targets = checkpoint_targets();
  if (targets.empty()) {
    MutexLock lock(&mu_);
    last_error_ = "no writable drive to checkpoint metadata to";
    return Status::unavailable(last_error_);
  }
  // The new segment first: it then holds every commit the checkpoint may
  // miss, whatever moment the checkpoint's snapshot is taken.
  std::vector<std::string> journal_dirs;
  for (Drive* d : targets) journal_dirs.push_back(journal_dir(d->path()));
  auto segment = meta_->start_journal_segment(journal_dirs);
  if (!segment.is_ok()) spdlog::error("metadata journal: {}", segment.status().to_string());

  char name[32];
  std::snprintf(name, sizeof(name), "%015lld", static_cast<long long>(now_ms()));
  Status first_error;
  int written = 0;
  uint64_t sequence = 0;
  for (Drive* d : targets) {
    Status s = write_checkpoint(*d, name, &sequence);
    if (!s.is_ok()) {
      if (first_error.is_ok()) first_error = s;
      continue;
    }
    ++written;
  }
  if (written == 0) {
    Status s =
        first_error.is_ok() ? Status::unavailable("no checkpoint copy written") : first_error;
    MutexLock lock(&mu_);
    last_error_ = s.to_string();
    return s;
  }
  uint64_t keep_from = 0;
  bool prune = false;
  {
    MutexLock lock(&mu_);
    prune = have_previous_ && segment.is_ok();
    keep_from = previous_segment_;
    if (segment.is_ok()) {
      have_previous_ = true;
      previous_segment_ = *segment;
    }
    last_ms_ = now_ms();
    last_sequence_ = sequence;
    last_error_.clear();
  }
  if (prune) prune_journal(keep_from);
  return Status();
}

std::vector<Drive*> MetaProtection::checkpoint_targets() const {
  // Most free space first. space() asks the file system each time, and its
  // answer moves while others write: sort on one reading per drive (a
  // comparison that changes during std::sort runs it out of bounds).
  std::vector<std::pair<uint64_t, Drive*>> by_space;
  for (Drive* d : drives_->drives()) {
    if (d->writable()) by_space.emplace_back(d->space().available, d);
  }
  std::stable_sort(by_space.begin(), by_space.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<Drive*> targets;
  for (const auto& [available, d] : by_space) targets.push_back(d);
  if (targets.size() > static_cast<size_t>(std::max(checkpoint_copies_, 0))) {
    targets.resize(static_cast<size_t>(std::max(checkpoint_copies_, 0)));
  }
  return targets;
}

Status MetaProtection::write_checkpoint(Drive& d, const std::string& name, uint64_t* sequence) {
  Status s = FileUtil::make_dirs(d.checkpoint_dir());
  std::string dir = d.checkpoint_dir() + "/" + name;
  if (s.is_ok()) s = meta_->checkpoint(dir, sequence);
  if (s.is_ok()) s = FileUtil::fsync_dir(d.checkpoint_dir());
  if (!s.is_ok()) return s;
  // Keep the two newest checkpoints on the drive.
  std::vector<std::string> all;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(d.checkpoint_dir(), ec)) {
    all.push_back(e.path().string());
  }
  std::sort(all.begin(), all.end());
  for (size_t i = 0; i + 2 < all.size(); ++i) fs::remove_all(all[i], ec);
  return Status();
}

// Segments before the previous checkpoint's are needed by no kept checkpoint.
void MetaProtection::prune_journal(uint64_t keep_from) {
  for (Drive* d : drives_->drives()) {
    if (!d->writable()) continue;
    for (const auto& [key, path] : MetaJournal::list_segments(journal_dir(d->path()))) {
      if (key >= keep_from) break;
      std::error_code ec;
      fs::remove(path, ec);
    }
  }
}

bool MetaProtection::wants_checkpoint() const {
  if (checkpoint_copies_ <= 0) return false;
  MetaJournalHealth j = meta_->journal_health();
  bool lost = !j.attached || !j.failed.empty();
  if (j.bytes >= kJournalCheckpointBytes) return true;
  if (!lost) return false;
  MutexLock lock(&mu_);
  return now_ms() - last_attempt_ms_ >= 30000;
}

MetaProtectionStatus MetaProtection::status() const {
  MetaProtectionStatus st;
  st.journal = meta_->journal_health();
  st.sequence = meta_->latest_sequence();
  {
    MutexLock lock(&mu_);
    st.last_checkpoint_ms = last_ms_;
    st.last_checkpoint_sequence = last_sequence_;
    st.last_checkpoint_error = last_error_;
  }
  if (checkpoint_copies_ <= 0) {
    st.state = "off";
    st.reason = "checkpoint_copies = 0";
  } else if (!st.journal.attached) {
    st.state = "degraded";
    st.reason = "no metadata journal open: commits are not mirrored to data drives";
  } else if (st.journal.degraded()) {
    st.state = "degraded";
    st.reason = "every metadata journal copy failed: commits are not mirrored to data drives";
  } else if (!st.journal.failed.empty()) {
    st.state = "reduced";
    st.reason = std::to_string(st.journal.targets.size() - st.journal.failed.size()) + " of " +
                std::to_string(st.journal.targets.size()) + " metadata journal copies left";
  } else {
    st.state = "ok";
  }
  return st;
}

}  // namespace skyarray
