// VerifiedChunkCache: chunk files whose blocks passed their CRC32C, held in
// memory so that later reads send those blocks without checking them again.
//
// Every read of local data is verified (store/blob_reader.cc). Done by
// reading each piece into a buffer, that costs a copy of every byte sent
// plus the CRC, on top of the socket's own work: at GET speeds it is most of
// the CPU the reader spends. This cache makes the check once per residency:
//
//   - A chunk file is mapped whole (read-only, MAP_SHARED) and the mapping
//     locked on fault (mlock2 MLOCK_ONFAULT). Blocks are checked straight in
//     the mapping, with no copy; checking them faults their pages in, which
//     locks them. A locked page cannot be evicted, so the page cache keeps
//     exactly the bytes that were checked, and sendfile(2) of that range
//     sends them.
//   - The mapping asks for huge pages (MADV_HUGEPAGE): where the filesystem
//     supports large folios, the page cache then holds the chunk in 2 MiB
//     folios, which halves the cost of copying out of it or splicing it
//     into a socket (posix_fadvise read-ahead fills it with 4 KiB pages).
//   - Chunks are immutable, so a checked block stays right. Before each use
//     the file is stat'ed: a change of ctime (anyone wrote it) or a link
//     count of 0 (collected, or replaced by a repair) drops the entry, and
//     so does an injected fault or an unreadable drive; the caller then
//     takes the ordinary path, which reads, checks, fails over and repairs.
//   - The bytes held are bounded (`capacity`, least recently used out).
//     When the process may not lock memory (RLIMIT_MEMLOCK), nothing is
//     kept: each piece is still checked in a mapping, without the copy.
//
// Bit rot on the disk under a held chunk is not seen by reads until the
// entry leaves; the scrubber reads the disk itself and finds it.
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <optional>
#include <unordered_map>

#include "common/body_piece.h"
#include "common/mutex.h"
#include "store/chunk_record.h"

namespace skyarray {

class Drive;
class DriveSet;

class VerifiedChunkCache {
 public:
  // capacity: bytes of chunk files kept mapped and locked; 0 keeps none.
  VerifiedChunkCache(DriveSet* drives, uint64_t capacity);
  ~VerifiedChunkCache();
  VerifiedChunkCache(const VerifiedChunkCache&) = delete;
  VerifiedChunkCache& operator=(const VerifiedChunkCache&) = delete;

  // The data range [offset, offset + n) of chunk `chunk_id`, if every block
  // covering it was checked and is held. Does no disk I/O: callable from an
  // event loop.
  std::optional<FileRange> find(uint64_t chunk_id, uint64_t offset, size_t n);

  // Whether find() would have the range, short of the checks that the file
  // is unchanged. For read-ahead, to skip work already done.
  bool holds(uint64_t chunk_id, uint64_t offset, size_t n) const;

  // The range read from `drive`'s replica, after checking the blocks not
  // checked yet against `record`. Empty when the file cannot be opened or
  // mapped, or a block does not match (the caller's ordinary read finds
  // out which and handles it). Blocks on disk I/O: an I/O thread's call.
  std::optional<FileRange> verify(Drive& drive, uint64_t chunk_id, const ChunkRecord& record,
                                  uint64_t offset, size_t n);

  // Lets go of a chunk (its files are being removed) or of every chunk on a
  // drive (leaving service), so that no open file keeps their space in use
  // or the drive busy. Ranges handed out stay valid until dropped.
  void forget(uint64_t chunk_id);
  void forget_drive(uint32_t drive_id);

  // True while checked chunks are kept (capacity > 0 and memory may be
  // locked).
  bool holding() const;

  struct Stats {
    uint64_t hits = 0;        // ranges served with no check
    uint64_t bytes_held = 0;  // file bytes mapped and locked now
    uint64_t chunks_held = 0;
  };
  Stats stats() const;

 private:
  struct Entry;
  std::shared_ptr<Entry> open_entry(Drive& drive, uint64_t chunk_id);
  // Makes room for `bytes`; drops least recently used entries.
  void evict_for(uint64_t bytes) REQUIRES(mu_);
  void drop(uint64_t chunk_id) REQUIRES(mu_);
  // Whether `e` (chunk_id's entry when it was looked up) may still be
  // used: its drive is readable and its file unchanged. Drops it if not.
  bool still_valid(uint64_t chunk_id, const std::shared_ptr<Entry>& e);

  DriveSet* drives_;
  const uint64_t capacity_;
  mutable Mutex mu_;
  std::unordered_map<uint64_t, std::shared_ptr<Entry>> entries_ GUARDED_BY(mu_);
  std::list<uint64_t> lru_ GUARDED_BY(mu_);  // most recently used first
  uint64_t bytes_held_ GUARDED_BY(mu_) = 0;
  bool can_lock_ GUARDED_BY(mu_) = true;  // false once mlock2 was refused
  uint64_t hits_ GUARDED_BY(mu_) = 0;
};

}  // namespace skyarray
