// BlobStore: the local data path. Services write and read object data here.
//
// Write, then make live (DESIGN.md, "Data"):
//   auto w = store.new_writer({.replicas = 3});
//   co_await w->write(std::move(buf));            // any number of times
//   SKY_CO_ASSIGN_OR_RETURN(WrittenBlob b, co_await w->finish());
//   MetaBatch batch;                               // the service's own batch
//   batch.put(MetaCf::kObjects, key, record_with(b.ref.encode(), b.digests));
//   SKY_CO_RETURN_IF_ERROR(store.stage_commit(&batch, b.ref));
//   meta.commit(std::move(batch));                 // <- the acknowledgement
// After finish() every chunk is durable (fsynced file and directory) on every
// replica, but unreferenced: a crash before the commit leaves orphans that
// startup recovery removes. If the caller gives up without committing, it
// calls discard(ref) to remove the files at once.
//
// Delete: stage_release(&batch, ref) in the batch that removes the service's
// record. Reference counts drop in that commit; chunks left without
// references are queued (MetaCf::kQueues) and their files are removed by the
// background collector after the commit. So a delete is logical first,
// physical later, and a crash at any point loses no referenced data.
//
// Sharing: a ref built by BlobRef::append()/slice() from live refs may be
// committed with stage_commit() again (multipart complete, copy, append): it
// costs metadata only. The caller must keep the source alive (hold the
// source object's lock) from reading its ref until its own commit, so the
// source's chunks cannot be collected in between.
//
// Integrity: CRC32C of every 64 KiB block of every chunk is kept in the
// chunk record and in the chunk file header, and verified on every read.
// A mismatch or I/O error is counted against that replica's drive and the
// read falls over to the next replica; wrong bytes are never returned. A
// replica that failed its checksum while another passed is rewritten from
// the good copy in the background (read-repair). A block that no replica
// serves fails the read and is recorded at once as data loss
// (StoreStats::lost, naming the object through set_owner_names()).
//
// Thread safety: BlobStore is thread-safe. A BlobWriter or BlobReader is
// used by one coroutine at a time and must be destroyed before the store. Coroutines may run on any
// executor: disk work runs on the store's own I/O threads and the coroutine resumes on its
// executor. Non-coroutine methods that touch metadata block (use
// Runtime::blocking from network threads).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/async.h"
#include "common/body_piece.h"
#include "common/buffer.h"
#include "common/checksum.h"
#include "common/mutex.h"
#include "common/status.h"
#include "drives/drive_set.h"
#include "store/blob_ref.h"
#include "store/meta_protection.h"
#include "store/store_health.h"
#include "store/store_options.h"

namespace skyarray {

class MetaStore;
class MetaBatch;
class ChunkOwnerNames;
class StoreCore;  // the chunks and their state, shared with writers and readers
class Rebuilder;
class Scrubber;

struct WriteOptions {
  int replicas = 0;  // 0: StoreOptions::replicas
  // S3 flexible checksums to compute in the same pass (MD5 is always done).
  std::vector<ChecksumAlgorithm> checksums;
  // Size hint when known (Content-Length): lets a small blob skip chunking.
  std::optional<uint64_t> expected_size;
  // MD5 is the one serial, CPU-bound step of the write path (~0.7 GB/s per
  // stream): file and block writes, which need no S3 ETag, turn it off.
  bool compute_md5 = true;
  // Written into every chunk file's header with the chunk's index and byte
  // offset in the blob, so a chunk file found without its metadata names
  // what it belongs to. Opaque to the store; at most 2 KiB (an S3 key is
  // up to 1 KiB).
  std::string owner;
};

struct BlobDigests {
  std::string md5;      // 16 raw bytes; empty when not computed
  uint32_t crc32c = 0;  // whole-blob CRC32C
  // Raw digests of WriteOptions::checksums, in the same order.
  std::vector<std::pair<ChecksumAlgorithm, std::string>> checksums;
};

struct WrittenBlob {
  BlobRef ref;
  BlobDigests digests;
  // Some chunk has fewer replicas than asked (too few drives with room, or a
  // replica write failed). Replicas sharing a node or enclosure because the
  // array has too few of them are counted in StoreStats::shared_domain_writes.
  bool under_replicated = false;
};

class BlobWriter {
 public:
  virtual ~BlobWriter() = default;
  // Takes the bytes; returns when they are buffered or on disk. Memory held
  // by a writer stays under 7 chunks (56 MiB at 8 MiB chunks) whatever the blob size.
  // Errors: kNoSpace (no drive has room: nothing kept), kIOError,
  // kUnavailable (no drive online). After an error the writer is aborted.
  virtual Task<Status> write(Buffer data) = 0;
  // Flushes and fsyncs the last chunk; the data is durable but not live.
  virtual Task<Result<WrittenBlob>> finish() = 0;
  // Removes every chunk written so far. Idempotent; implied by destruction
  // of an unfinished writer.
  virtual Task<void> abort() = 0;
  virtual uint64_t bytes_written() const = 0;
};

class BlobReader {
 public:
  virtual ~BlobReader() = default;
  // Up to `max` next bytes (fewer at chunk boundaries); an empty buffer at
  // the end. Errors: kCorruption / kIOError / kUnavailable when no replica
  // of a chunk can give verified bytes.
  virtual Task<Result<Buffer>> read(size_t max) = 0;
  // As read(), but a verified piece of a chunk may come back as a range of
  // its replica file (common/body_piece.h) for the caller to send without
  // copying. The default returns read()'s bytes.
  virtual Task<Result<BodyPiece>> read_piece(size_t max);
  virtual uint64_t remaining() const = 0;
};

struct DriveReport {
  uint32_t id = 0;
  std::string path;
  std::string label;
  DriveState state = DriveState::kOnline;
  std::string reason;
  DriveSpace space;
  uint64_t errors = 0;           // I/O errors seen
  uint64_t checksum_errors = 0;  // blocks that failed CRC32C on this drive
};

struct StoreStats {
  std::vector<DriveReport> drives;
  DriveSpace array;  // sum over readable drives
  uint64_t chunks_written = 0;
  uint64_t bytes_written = 0;            // chunk bytes writers put on drives (each replica counted)
  uint64_t under_replicated_writes = 0;  // chunks written with fewer replicas than asked
  uint64_t shared_domain_writes = 0;     // chunks with two replicas in one node/enclosure
  uint64_t read_failovers = 0;           // a replica failed and another served
  uint64_t checksum_mismatches = 0;
  uint64_t chunks_collected = 0;
  uint64_t orphans_removed = 0;    // by startup recovery
  uint64_t replicas_repaired = 0;  // bad replicas rewritten from a good one (read-repair)
  // Reads that met a block no replica serves (each failed; the chunk is in
  // `lost` at once), and the chunks known to have such a block.
  uint64_t data_loss_reads = 0;
  std::vector<LostChunk> lost;
  // store/verified_chunk_cache.h: pieces sent with no new check, and the
  // chunk bytes held checked in memory now.
  uint64_t verified_cache_hits = 0;
  uint64_t verified_cache_bytes = 0;
};

class BlobStore {
 public:
  // Opens the drives, then recovers: removes temp files and chunk files that
  // no chunk record references (never a referenced file), resumes pending
  // garbage collection. `meta` must outlive the store.
  static Result<std::unique_ptr<BlobStore>> open(const StoreOptions& options, MetaStore* meta);
  ~BlobStore();
  BlobStore(const BlobStore&) = delete;
  BlobStore& operator=(const BlobStore&) = delete;

  std::unique_ptr<BlobWriter> new_writer(const WriteOptions& options = {});
  // Reads [offset, offset + length) of ref; length beyond the end is cut to
  // the end. kOutOfRange when offset > size.
  Result<std::unique_ptr<BlobReader>> new_reader(const BlobRef& ref, uint64_t offset = 0,
                                                 uint64_t length = UINT64_MAX);
  // Whole blob into memory: for small blobs and tests.
  Task<Result<std::string>> read_all(const BlobRef& ref);

  // Adds to `batch` what makes `ref` live: chunk records of chunks written
  // by a writer and not yet recorded (plus a re-replication queue entry for
  // an under-replicated one), and +1 reference per chunk.
  // kNotFound when a chunk is neither pending nor recorded. Blocking.
  Status stage_commit(MetaBatch* batch, const BlobRef& ref);
  // Adds to `batch` the release of `ref`: -1 reference per use and a GC
  // queue entry per chunk. Never fails; the collector decides later.
  void stage_release(MetaBatch* batch, const BlobRef& ref);
  // Removes the files of a finished but never committed ref. Chunks that
  // are recorded in metadata are left alone. Blocking.
  void discard(const BlobRef& ref);

  // Removes chunks whose reference count reached zero: records first (one
  // commit), then files. Returns how many were removed. Blocking; the
  // background thread calls it every gc_interval.
  Result<uint64_t> collect_garbage();
  // Checkpoints the metadata to `checkpoint_copies` drives, keeping the two
  // newest per drive, and starts a new metadata journal segment there
  // (store/meta_protection.h). Blocking.
  Status checkpoint();
  // Checkpoint and metadata journal state, for health.
  MetaProtectionStatus meta_protection() const;

  DriveSet& drives();
  // Adds a drive to the running array (admin drive add).
  Result<uint32_t> add_drive(const DriveConfig& config);
  // Operator state of a drive, persisted and re-applied at the next open:
  //   kDraining: still read, never written; its chunks are queued for the
  //     rebuild worker, which copies them elsewhere before dropping them.
  //   kOffline ("failed by operator"): neither read nor written; its chunks
  //     are queued for re-replication from the other replicas.
  //   kOnline: back in service. Files on the drive that no record places
  //     there any more are removed first (reconciliation); the copies that
  //     remain are CRC-verified on every read and by the scrubber.
  // kNotFound for an unknown drive; kFailedPrecondition for a removed one.
  Status set_drive_state(uint32_t drive_id, DriveState state);
  // Removes a drive from service for good (admin drive remove): allowed only
  // when no chunk record places a replica on it (after a drain, or a fail
  // and a completed rebuild), else kFailedPrecondition. The drive stays
  // listed as offline ("removed") until it leaves the configuration.
  Status remove_drive(uint32_t drive_id);
  // Replaces a failed or failing drive: adds `config` (labelled like the
  // old drive when its label is empty), fails the old one, and queues its
  // chunks; the rebuild worker fills the new drive among others. Returns the
  // new drive's id.
  Result<uint32_t> replace_drive(uint32_t old_drive_id, DriveConfig config);
  // Number of chunk records placing a replica on the drive (one scan).
  Result<uint64_t> chunks_on_drive(uint32_t drive_id) const;

  // Self-healing. The background threads call these when
  // StoreOptions::background is set; tests and tools call them directly.
  // Blocking. rebuild_pass(): re-replicates every queued chunk once
  // (store/rebuilder.h); returns chunks given new replicas.
  Result<uint64_t> rebuild_pass();
  // Scrubs at most `max_chunks` chunks from the persisted cursor
  // (store/scrubber.h).
  Result<ScrubProgress> scrub_pass(uint64_t max_chunks = UINT64_MAX);
  // Asks the background scrubber to start a pass now.
  void request_scrub();
  RebuildProgress rebuild_progress() const;
  ScrubProgress scrub_progress() const;

  StoreStats stats() const;
  const StoreOptions& options() const;

  // Who names the objects chunks belong to in messages and StoreStats::lost
  // (store/chunk_owner_names.h); the object service sets it. Until then
  // chunks are named by id only.
  void set_owner_names(std::shared_ptr<const ChunkOwnerNames> names);

 private:
  explicit BlobStore(std::unique_ptr<StoreCore> core);
  // Starts the self-healing workers and queues the chunks of drives that
  // are offline or draining.
  void start_workers();
  // Every gc_interval: retries the open's record while it is not committed,
  // collects garbage, checkpoints the metadata when due.
  void background_loop() EXCLUDES(bg_mu_);

  std::unique_ptr<StoreCore> core_;
  std::unique_ptr<MetaProtection> protection_;  // checkpoints and metadata journal
  std::unique_ptr<Rebuilder> rebuilder_;
  std::unique_ptr<Scrubber> scrubber_;
  Mutex bg_mu_;
  CondVar bg_cv_{&bg_mu_};
  bool bg_stop_ GUARDED_BY(bg_mu_) = false;
  std::thread bg_;
};

}  // namespace skyarray
