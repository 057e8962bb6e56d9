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
//   - anything else: the whole new version is streamed, old bytes read from
//     the current version with the staged extents laid over them (zeros in
//     holes, cut at a truncation). A 4 KiB write into a large file rewrites
//     the whole file: touched-chunk rewrite is not implemented yet.
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
struct ObjectInfo;

class FileWriteback {
 public:
  static constexpr uint64_t kAppendMin = 4ull << 20;

  explicit FileWriteback(ObjectService& objects, uint64_t flush_threshold = 32ull << 20);
  ~FileWriteback();

  // Stages `data` at `offset` of the file (object bucket/key, currently
  // `size` bytes long). Returns true when the file should be flushed now.
  bool stage(uint64_t file_id, const std::string& bucket, const std::string& key, uint64_t size,
             uint64_t offset, std::string data, int64_t now_ns);
  // Stages a size change (truncate or sparse extend).
  void resize(uint64_t file_id, const std::string& bucket, const std::string& key, uint64_t size,
              uint64_t new_size, int64_t now_ns);
  // Publishes what is staged for the file; OK (and durable) when nothing is.
  Task<Status> flush(uint64_t file_id);
  // Flushes every file whose last write is older than `idle_ns` ago.
  Task<void> flush_idle(int64_t now_ns, int64_t idle_ns);
  // The logical size and mtime while writes are staged, else nullopt.
  struct Staged {
    uint64_t size = 0;
    int64_t mtime_ns = 0;
  };
  std::optional<Staged> staged(uint64_t file_id) const;
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
  Task<Status> rewrite(const Pending& p, const std::optional<ObjectInfo>& cur);

  ObjectService& objects_;
  const uint64_t flush_threshold_;
  mutable Mutex mu_;
  std::unordered_map<uint64_t, std::unique_ptr<OpenFile>> files_ GUARDED_BY(mu_);
};

}  // namespace skyarray::services
