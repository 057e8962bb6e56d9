#include "store/metadata_recovery.h"

#include <spdlog/spdlog.h>
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <set>

#include "common/buffer.h"
#include "common/file_util.h"
#include "drives/chunk_file.h"
#include "drives/drive.h"
#include "drives/drive_identity.h"
#include "meta/key_codec.h"
#include "meta/meta_store.h"
#include "store/chunk_record.h"
#include "store/meta_protection.h"

namespace skyarray {

namespace fs = std::filesystem;

namespace {

struct FoundDrive {
  std::unique_ptr<Drive> drive;
  std::string array_id;
};

// Drives of the configuration whose identity file reads; others are
// reported and skipped.
std::vector<FoundDrive> find_drives(const StoreOptions& options) {
  std::vector<FoundDrive> out;
  for (const auto& c : options.effective_drives()) {
    auto id = DriveIdentity::read(c.path);
    if (!id.is_ok()) {
      spdlog::warn("recover-metadata: drive {} skipped: {}", c.path, id.status().to_string());
      continue;
    }
    out.push_back({std::make_unique<Drive>(id->drive_id, c, 0), id->array_id});
  }
  return out;
}

Status copy_tree(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::create_directories(to, ec);
  if (ec) return Status::from_errno(ec.value(), "creating " + to.string());
  fs::copy(from, to, fs::copy_options::recursive | fs::copy_options::overwrite_existing, ec);
  if (ec) return Status::from_errno(ec.value(), "copying " + from.string());
  return FileUtil::fsync_dir(to.string());
}

// Restores the newest checkpoint that opens; returns its path.
Result<std::string> restore_checkpoint(const std::vector<FoundDrive>& drives,
                                       const std::string& meta_dir) {
  std::vector<fs::path> all;
  std::error_code ec;
  for (const auto& d : drives) {
    for (const auto& e : fs::directory_iterator(d.drive->checkpoint_dir(), ec)) {
      if (e.is_directory()) all.push_back(e.path());
    }
  }
  std::sort(all.begin(), all.end(), [](const fs::path& a, const fs::path& b) {
    return a.filename() > b.filename();  // names are zero-padded milliseconds
  });
  for (const auto& cp : all) {
    fs::remove_all(meta_dir, ec);
    if (Status s = copy_tree(cp, meta_dir); !s.is_ok()) {
      spdlog::warn("recover-metadata: checkpoint {}: {}", cp.string(), s.to_string());
      continue;
    }
    auto m = MetaStore::open(meta_dir);
    if (!m.is_ok()) {
      spdlog::warn("recover-metadata: checkpoint {} does not open: {}", cp.string(),
                   m.status().to_string());
      continue;
    }
    return cp.string();
  }
  fs::remove_all(meta_dir, ec);
  return Status::not_found("no usable metadata checkpoint on any drive");
}

struct Seen {
  uint32_t drive_id;
  bool header_ok;  // the header's own CRC held
  ChunkHeader header;
};

// A replica whose header cannot be trusted still counts when its data
// verifies against the record (the scrubber rewrites the header later).
bool data_matches(Drive& d, uint64_t id, const ChunkRecord& rec) {
  Buffer data(std::max<uint64_t>(rec.length, 1));
  data.resize(rec.length);
  if (!ChunkFile::read(d, id, 0, rec.length, data.data()).is_ok()) return false;
  return ChunkFile::block_crcs(data.data(), data.size()) == rec.block_crcs;
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Step 1: a database in the way is refused, or with `force` moved aside.
Status move_aside_existing(const std::string& meta_dir, bool force) {
  std::error_code ec;
  if (!fs::exists(meta_dir + "/CURRENT", ec)) return Status();
  if (!force) {
    return Status::already_exists("metadata directory " + meta_dir +
                                  " holds a database; pass --force to replace it");
  }
  fs::rename(meta_dir, meta_dir + ".replaced-" + std::to_string(now_ms()), ec);
  if (ec) return Status::from_errno(ec.value(), "moving aside " + meta_dir);
  return Status();
}

// Step 3: commits after the checkpoint, from the journal on this array's
// drives. Returns the journal directories read.
Result<std::vector<std::string>> replay_journal(MetaStore* meta,
                                                const std::vector<FoundDrive>& drives,
                                                MetadataRecoveryReport* report) {
  std::vector<std::string> journal_dirs;
  for (const auto& fd : drives) {
    if (fd.array_id == report->array_id) {
      journal_dirs.push_back(MetaProtection::journal_dir(fd.drive->path()));
    }
  }
  SKY_ASSIGN_OR_RETURN(auto replay, meta->replay_journal(journal_dirs));
  report->checkpoint_sequence = replay.start_sequence;
  report->journal_segments = replay.segments;
  report->journal_batches = replay.batches;
  report->last_sequence = replay.last_sequence;
  report->journal_stopped = replay.stopped;
  spdlog::info(
      "recover-metadata: checkpoint at sequence {}; {} journal batches replayed from {} "
      "segment files, now at sequence {} ({})",
      replay.start_sequence, replay.batches, replay.segments, replay.last_sequence, replay.stopped);
  return journal_dirs;
}

// What the chunk header scan found on this array's drives.
struct ChunkScan {
  std::map<uint64_t, std::vector<Seen>> found;  // by chunk id
  std::set<uint32_t> scanned;                   // drives whose files were read
  uint64_t max_epoch = 0;                       // highest chunk id epoch on disk
};

// Step 4, first half: every chunk header of this array's drives.
ChunkScan scan_chunk_files(const std::vector<FoundDrive>& drives, MetadataRecoveryReport* report) {
  ChunkScan scan;
  std::error_code ec;
  for (const auto& fd : drives) {
    Drive& d = *fd.drive;
    if (fd.array_id != report->array_id) {
      spdlog::warn("recover-metadata: drive {} belongs to array {}; skipped", d.path(),
                   fd.array_id);
      continue;
    }
    scan.scanned.insert(d.id());
    report->drives_scanned++;
    for (const auto& sub : fs::directory_iterator(d.chunk_dir(), ec)) {
      for (const auto& f : fs::directory_iterator(sub.path(), ec)) {
        uint64_t id = 0;
        if (!ChunkFile::parse_name(f.path().filename().string(), &id)) continue;
        report->chunk_files_scanned++;
        scan.max_epoch = std::max(scan.max_epoch, id >> 32);
        auto h = ChunkFile::read_header(d, id);
        bool ok = h.is_ok() && h->chunk_id == id;
        if (!ok) report->files_bad_header++;
        scan.found[id].push_back({d.id(), ok, ok ? std::move(*h) : ChunkHeader{}});
      }
    }
  }
  return scan;
}

// The drives that hold a trustworthy replica of chunk `id` by the scan, plus
// listed drives that could not be scanned (their claim stands); sorted.
std::vector<uint32_t> replicas_found(uint64_t id, const ChunkRecord& rec, const ChunkScan& scan,
                                     const std::vector<FoundDrive>& drives) {
  std::vector<uint32_t> drives_now;
  for (uint32_t d : rec.drives) {
    if (!scan.scanned.count(d)) drives_now.push_back(d);
  }
  auto seen = scan.found.find(id);
  if (seen != scan.found.end()) {
    for (const Seen& s : seen->second) {
      bool agrees =
          s.header_ok && s.header.length == rec.length && s.header.block_crcs == rec.block_crcs;
      Drive* d = nullptr;
      for (auto& fd : drives) d = fd.drive->id() == s.drive_id ? fd.drive.get() : d;
      if (agrees || (d && data_matches(*d, id, rec))) drives_now.push_back(s.drive_id);
    }
  }
  std::sort(drives_now.begin(), drives_now.end());
  drives_now.erase(std::unique(drives_now.begin(), drives_now.end()), drives_now.end());
  return drives_now;
}

// Step 4, second half, and step 6: corrects each record's replica list from
// what is on disk and raises the chunk id epoch. Repairs, not growth: they
// may use the metadata volume's reserve. Returns the chunk ids recorded.
Result<std::set<uint64_t>> correct_records(MetaStore* meta, const ChunkScan& scan,
                                           const std::vector<FoundDrive>& drives,
                                           MetadataRecoveryReport* report) {
  MetaBatch batch;
  batch.set_admission(MetaAdmission::kRelease);
  std::set<uint64_t> known;
  for (auto it = meta->scan_prefix(MetaCf::kChunks, "c"); it->valid(); it->next()) {
    KeyReader r(it->key());
    uint64_t id = 0;
    if (!r.skip_raw("c") || !r.read_u64(&id)) continue;
    SKY_ASSIGN_OR_RETURN(ChunkRecord rec, ChunkRecord::decode(it->value()));
    report->chunk_records++;
    known.insert(id);
    std::vector<uint32_t> drives_now = replicas_found(id, rec, scan, drives);
    std::vector<uint32_t> before = rec.drives;
    std::sort(before.begin(), before.end());
    if (drives_now != before) {
      report->records_changed++;
      rec.drives = drives_now;
      batch.put(MetaCf::kChunks, it->key(), rec.encode());
    }
    if (drives_now.empty()) {
      report->chunks_lost++;
      spdlog::error("recover-metadata: chunk {:016x} has no replica on any drive", id);
    } else if (drives_now.size() < rec.wanted) {
      report->chunks_under_replicated++;
      batch.put(MetaCf::kQueues, ChunkRecord::rereplicate_key(id), "");
    }
    if (batch.count() >= 4096) {
      SKY_RETURN_IF_ERROR(meta->commit(std::move(batch)));
      batch = MetaBatch();
      batch.set_admission(MetaAdmission::kRelease);
    }
  }
  // New ids must not collide with any file on disk.
  auto epoch = meta->get(MetaCf::kDrives, "chunk_epoch");
  uint64_t recorded = epoch.is_ok() && *epoch ? std::stoull(**epoch) : 0;
  batch.put(MetaCf::kDrives, "chunk_epoch", std::to_string(std::max(recorded, scan.max_epoch)));
  SKY_RETURN_IF_ERROR(meta->commit(std::move(batch)));
  return known;
}

// Step 5: files the checkpoint does not know are kept aside, never deleted.
Status keep_unknown_files(const ChunkScan& scan, const std::set<uint64_t>& known,
                          const std::vector<FoundDrive>& drives, MetadataRecoveryReport* report) {
  std::error_code ec;
  for (const auto& fd : drives) {
    Drive& d = *fd.drive;
    if (!scan.scanned.count(d.id())) continue;
    std::string lost = d.path() + "/lost+found";
    for (const auto& [id, seen] : scan.found) {
      if (known.count(id)) continue;
      for (const Seen& s : seen) {
        if (s.drive_id != d.id()) continue;
        SKY_RETURN_IF_ERROR(FileUtil::make_dirs(lost));
        fs::path from = ChunkFile::path(d, id);
        fs::rename(from, lost + "/" + from.filename().string(), ec);
        if (ec) return Status::from_errno(ec.value(), "moving " + from.string());
        report->files_to_lost_found++;
      }
    }
  }
  return Status();
}

// The journal is now in the database, and the database goes on from here
// with commits of its own: the segments are set aside (kept, in
// <journal>/replayed-<ms>/), so that the replay at every store open never
// applies batches of the old history after them. The next open
// checkpoints and starts a new segment.
Status set_journal_aside(const std::vector<std::string>& journal_dirs) {
  const int64_t aside_ms = now_ms();
  std::error_code ec;
  for (const auto& dir : journal_dirs) {
    auto segments = MetaJournal::list_segments(dir);
    if (segments.empty()) continue;
    const std::string aside = dir + "/replayed-" + std::to_string(aside_ms);
    SKY_RETURN_IF_ERROR(FileUtil::make_dirs(aside));
    for (const auto& [key, path] : segments) {
      fs::rename(path, aside + "/" + fs::path(path).filename().string(), ec);
      if (ec) return Status::from_errno(ec.value(), "setting aside " + path);
    }
    SKY_RETURN_IF_ERROR(FileUtil::fsync_dir(dir));
  }
  return Status();
}

}  // namespace

Result<MetadataRecoveryReport> MetadataRecovery::run(const StoreOptions& options, bool force) {
  MetadataRecoveryReport report;
  const std::string meta_dir = options.effective_meta_dir();
  SKY_RETURN_IF_ERROR(move_aside_existing(meta_dir, force));
  std::vector<FoundDrive> drives = find_drives(options);
  if (drives.empty()) return Status::not_found("no drive of the configuration carries an identity");
  SKY_ASSIGN_OR_RETURN(report.checkpoint, restore_checkpoint(drives, meta_dir));
  SKY_ASSIGN_OR_RETURN(auto meta, MetaStore::open(meta_dir));
  SKY_ASSIGN_OR_RETURN(auto array, meta->get(MetaCf::kDrives, "array"));
  if (!array) return Status::corruption("checkpoint " + report.checkpoint + " has no array id");
  report.array_id = *array;

  SKY_ASSIGN_OR_RETURN(auto journal_dirs, replay_journal(meta.get(), drives, &report));
  ChunkScan scan = scan_chunk_files(drives, &report);
  SKY_ASSIGN_OR_RETURN(auto known, correct_records(meta.get(), scan, drives, &report));
  SKY_RETURN_IF_ERROR(keep_unknown_files(scan, known, drives, &report));
  SKY_RETURN_IF_ERROR(set_journal_aside(journal_dirs));
  spdlog::info(
      "recover-metadata: restored {}; {} records, {} corrected, {} queued, {} lost, "
      "{} files to lost+found",
      report.checkpoint, report.chunk_records, report.records_changed,
      report.chunks_under_replicated, report.chunks_lost, report.files_to_lost_found);
  return report;
}

}  // namespace skyarray
