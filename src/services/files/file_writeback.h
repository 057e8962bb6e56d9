// FileWriteback: writes into files of shares, staged per file and published
// as a new object version of the file's key.
//
// A WRITE lands in memory (UNSTABLE: the client keeps its copy until a
// COMMIT, and resends it if the write verifier changed); flush() makes the
// staged writes of a file one durable object version, and only returns OK
// once that version is committed (the object service's durable commit), so
// COMMIT and FILE_SYNC replies are honest. A file whose staged bytes pass
// the threshold is flushed by the writer on the spot, bounding memory.
//
// How a flush publishes:
//   - bytes appended at the end of an object of at least kAppendMin bytes:
//     an append (only the new bytes are written) plus a metadata-only copy
//     for the new times;
//   - writes touching at most half of a file larger than one chunk: a patch
//     (ObjectPatch): the file is cut in aligned windows of the store's chunk
//     size; each window a write touches (or that grows the file) is written
//     whole, as its old bytes with the staged extents over them, and every
//     other window is shared with the old version's chunks (reference
//     counted, no byte read or written). A 4 KiB write into a 1 GiB file
//     writes one chunk. Should an S3 write replace the version meanwhile,
//     the flush rewrites over the new one;
//   - anything else: the whole new version is streamed, old bytes read from
//     the current version with the staged extents laid over them (zeros in
//     holes, cut at a truncation).
// The new version keeps the object's metadata (POSIX attributes,
// file_attrs.h) with file-mtime and file-ctime set to the last write.
//
// Thread safety: all methods may be called concurrently; flushes of one
// file run one at a time (an asynchronous per-file lock), writes stage
// without waiting for them.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/async.h"
#include "common/mutex.h"
#include "common/status.h"

namespace skyarray::services {

class ObjectService;
class ObjectReader;
struct ObjectInfo;
struct PatchPiece;

class FileWriteback {
 public:
  static constexpr uint64_t kAppendMin = 4ull << 20;

  explicit FileWriteback(ObjectService& objects, uint64_t flush_threshold = 32ull << 20);
  ~FileWriteback();

  // Stages `data` at `offset` of the file (object bucket/key, currently
  // `size` bytes long). Returns true when the file should be flushed now.
  // When a failed flush kept the file's writes staged (flush()), new writes
  // are refused with that failure once the file holds the flush threshold,
  // bounding memory.
  Result<bool> stage(uint64_t file_id, const std::string& bucket, const std::string& key,
                     uint64_t size, uint64_t offset, std::string data, int64_t now_ns);
  // Stages a size change (truncate or sparse extend).
  void resize(uint64_t file_id, const std::string& bucket, const std::string& key, uint64_t size,
              uint64_t new_size, int64_t now_ns);
  // Publishes what is staged for the file; OK (and durable) when nothing is.
  // A flush that fails for lack of space (kNoSpace) drops the writes it
  // took, so the file stays at its last published version (a client told
  // NOSPC finds nothing half-written, and reads do not keep failing); the
  // next flush with `commit` set (a COMMIT or a stable WRITE, whose answer
  // vouches for the earlier unstable writes) reports that loss once. Other
  // failures keep the writes staged, to be retried.
  Task<Status> flush(uint64_t file_id, bool commit = false);
  // Flushes every file whose last write is older than `idle_ns` ago.
  Task<void> flush_idle(int64_t now_ns, int64_t idle_ns);
  // The logical size and mtime while writes are staged, else nullopt.
  struct Staged {
    uint64_t size = 0;
    int64_t mtime_ns = 0;
  };
  std::optional<Staged> staged(uint64_t file_id) const;
  // Flushes every file staged under bucket/prefix (before a directory
  // moves), then, once it moved, moved_prefix() points what was staged
  // meanwhile at the new keys.
  Task<Status> flush_prefix(const std::string& bucket, const std::string& prefix);
  void moved_prefix(const std::string& bucket, const std::string& from, const std::string& to);
  // Drops what is staged (the file was removed).
  void forget(uint64_t file_id);

 private:
  struct OpenFile;
  struct Pending;
  OpenFile& open_file(uint64_t file_id, const std::string& bucket, const std::string& key,
                      uint64_t size) REQUIRES(mu_);
  Task<void> lock_file(uint64_t file_id);
  void unlock_file(uint64_t file_id);
  Task<Status> publish(const Pending& p);
  Task<Status> append(const Pending& p, const ObjectInfo& cur);
  Task<Status> patch(const Pending& p, const ObjectInfo& cur, const std::vector<PatchPiece>& pieces,
                     uint64_t written);
  Task<Status> rewrite(const Pending& p, const std::optional<ObjectInfo>& cur);
  // A reader of bytes [first, last] of the file's current version.
  Task<Result<std::unique_ptr<ObjectReader>>> read_old(const Pending& p, uint64_t first,
                                                       uint64_t last);

  ObjectService& objects_;
  const uint64_t flush_threshold_;
  mutable Mutex mu_;
  std::unordered_map<uint64_t, std::unique_ptr<OpenFile>> files_ GUARDED_BY(mu_);
};

}  // namespace skyarray::services
