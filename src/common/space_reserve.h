// SpaceReserve: free space kept back on one file system, so that a full disk
// refuses new writes with kNoSpace before anything is written, instead of
// failing half-way through them.
//
// A write of n bytes is admitted when, after it, the file system still has
// `reserve` bytes free and (when a quota is set) the bytes counted against
// the quota stay within quota - reserve. The reserve itself is for what must
// still be written when the disk is "full": for a data drive, the metadata
// journal and checkpoints; for the metadata volume, RocksDB's flushes and
// compactions and the commits that free space (deletes, garbage collection).
//
// Both the data drives (drives/drive.h) and the metadata store
// (meta/meta_store.h) use it; each keeps its own reserve size.
//
// Thread safety: immutable after construction; usage() asks the file system
// on every call (statvfs), since other writers move the answer.
#pragma once

#include <cstdint>
#include <string>

namespace skyarray {

struct SpaceUsage {
  uint64_t capacity = 0;   // usable bytes (quota or file-system size)
  uint64_t used = 0;       // bytes counted against the quota, or the file system's used bytes
  uint64_t available = 0;  // bytes a write may still take (after the reserve)
  uint64_t free = 0;       // free bytes (quota left, if less), the reserve included
};

class SpaceReserve {
 public:
  // `quota` 0: the file system's size.
  SpaceReserve(std::string path, uint64_t reserve_bytes, uint64_t quota = 0)
      : path_(std::move(path)), reserve_(reserve_bytes), quota_(quota) {}

  // `quota_used`: bytes counted against the quota (ignored without one). A
  // file system that cannot be asked has nothing available.
  SpaceUsage usage(uint64_t quota_used = 0) const;

  const std::string& path() const { return path_; }
  uint64_t reserve_bytes() const { return reserve_; }
  uint64_t quota() const { return quota_; }

 private:
  std::string path_;
  uint64_t reserve_;
  uint64_t quota_;
};

// "12.5 MiB": sizes in messages for people.
std::string human_bytes(uint64_t bytes);

}  // namespace skyarray
