#include "store/verified_chunk_cache.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "common/checksum.h"
#include "drives/chunk_file.h"
#include "drives/drive_set.h"

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22  // Linux 5.14; older kernels refuse it and pages fault in on touch
#endif

namespace skyarray {

namespace {

constexpr uint64_t kBlock = ChunkFile::kBlockSize;

bool same_time(const timespec& a, const timespec& b) {
  return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

}  // namespace

// One chunk file, mapped whole. `checked` has a flag per 64 KiB data block;
// flags only go from false to true, under the cache's mutex.
struct VerifiedChunkCache::Entry {
  UniqueFd fd;
  const uint8_t* map = nullptr;
  size_t map_length = 0;
  bool locked = false;  // pages faulted in stay resident
  uint32_t drive_id = 0;
  timespec ctime{};
  std::vector<bool> checked;
  std::list<uint64_t>::iterator lru;  // valid while in the cache

  ~Entry() {
    if (map != nullptr) ::munmap(const_cast<uint8_t*>(map), map_length);
  }
  const uint8_t* data() const { return map + ChunkFile::kHeaderSize; }
  uint64_t data_length() const { return map_length - ChunkFile::kHeaderSize; }
  bool covers(uint64_t offset, size_t n) const {
    if (offset + n > data_length()) return false;
    uint64_t end = (offset + n + kBlock - 1) / kBlock;
    for (uint64_t b = offset / kBlock; b < end; ++b) {
      if (!checked[b]) return false;
    }
    return true;
  }
};

VerifiedChunkCache::VerifiedChunkCache(DriveSet* drives, uint64_t capacity)
    : drives_(drives), capacity_(capacity) {}

VerifiedChunkCache::~VerifiedChunkCache() = default;

bool VerifiedChunkCache::still_valid(uint64_t chunk_id, const std::shared_ptr<Entry>& e) {
  Drive* d = drives_->find(e->drive_id);
  struct stat st;
  if (d != nullptr && d->readable() && d->check_fault(/*is_write=*/false).is_ok() &&
      ::fstat(e->fd.get(), &st) == 0 && st.st_nlink > 0 && same_time(st.st_ctim, e->ctime) &&
      static_cast<uint64_t>(st.st_size) == e->map_length) {
    return true;
  }
  MutexLock lock(&mu_);
  if (auto it = entries_.find(chunk_id); it != entries_.end() && it->second == e) drop(chunk_id);
  return false;
}

std::optional<FileRange> VerifiedChunkCache::find(uint64_t chunk_id, uint64_t offset, size_t n) {
  std::shared_ptr<Entry> e;
  {
    MutexLock lock(&mu_);
    auto it = entries_.find(chunk_id);
    if (it == entries_.end() || !it->second->covers(offset, n)) return std::nullopt;
    e = it->second;
  }
  if (!still_valid(chunk_id, e)) return std::nullopt;
  MutexLock lock(&mu_);
  if (auto it = entries_.find(chunk_id); it != entries_.end() && it->second == e) {
    lru_.splice(lru_.begin(), lru_, e->lru);
  }
  ++hits_;
  return FileRange{std::shared_ptr<const UniqueFd>(e, &e->fd), ChunkFile::kHeaderSize + offset, n};
}

bool VerifiedChunkCache::holds(uint64_t chunk_id, uint64_t offset, size_t n) const {
  MutexLock lock(&mu_);
  auto it = entries_.find(chunk_id);
  return it != entries_.end() && it->second->covers(offset, n);
}

std::shared_ptr<VerifiedChunkCache::Entry> VerifiedChunkCache::open_entry(Drive& drive,
                                                                          uint64_t chunk_id) {
  auto fd = ChunkFile::open_for_read(drive, chunk_id);
  if (!fd.is_ok()) return nullptr;
  struct stat st;
  if (::fstat(fd->get(), &st) != 0 || static_cast<uint64_t>(st.st_size) < ChunkFile::kHeaderSize)
    return nullptr;
  auto e = std::make_shared<Entry>();
  e->map_length = static_cast<size_t>(st.st_size);
  void* m = ::mmap(nullptr, e->map_length, PROT_READ, MAP_SHARED, fd->get(), 0);
  if (m == MAP_FAILED) return nullptr;
  e->map = static_cast<const uint8_t*>(m);
  e->fd = std::move(*fd);
  e->drive_id = drive.id();
  e->ctime = st.st_ctim;
  e->checked.assign((e->data_length() + kBlock - 1) / kBlock, false);
  (void)::madvise(m, e->map_length, MADV_HUGEPAGE);  // a hint; refused without THP
  bool try_lock;
  {
    MutexLock lock(&mu_);
    try_lock = can_lock_ && capacity_ > 0;
  }
  if (try_lock) {
    if (::mlock2(m, e->map_length, MLOCK_ONFAULT) == 0) {
      e->locked = true;
    } else {
      int err = errno;
      MutexLock lock(&mu_);
      if (can_lock_) {
        can_lock_ = false;
        spdlog::warn(
            "verified chunk cache off: locking memory was refused ({}); every read is checked "
            "(raise the memlock limit to enable it)",
            std::strerror(err));
      }
    }
  }
  return e;
}

std::optional<FileRange> VerifiedChunkCache::verify(Drive& drive, uint64_t chunk_id,
                                                    const ChunkRecord& record, uint64_t offset,
                                                    size_t n) {
  if (offset + n > record.length) return std::nullopt;
  std::shared_ptr<Entry> e;
  {
    MutexLock lock(&mu_);
    auto it = entries_.find(chunk_id);
    if (it != entries_.end() && it->second->drive_id == drive.id()) e = it->second;
  }
  if (e && !still_valid(chunk_id, e)) e.reset();
  if (!e) {
    e = open_entry(drive, chunk_id);
    if (!e || e->data_length() != record.length) return std::nullopt;
  }
  // Which blocks still need a check (read under the lock, checked outside).
  uint64_t first = offset / kBlock;
  uint64_t end = (offset + n + kBlock - 1) / kBlock;
  std::vector<uint64_t> todo;
  {
    MutexLock lock(&mu_);
    for (uint64_t b = first; b < end; ++b) {
      if (!e->checked[b]) todo.push_back(b);
    }
  }
  if (!todo.empty()) {
    // Fault the pages in with one call (large reads, huge folios) rather
    // than one fault per page touched by the CRC.
    uint64_t from = ChunkFile::kHeaderSize + todo.front() * kBlock;
    uint64_t to =
        std::min<uint64_t>(e->map_length, ChunkFile::kHeaderSize + (todo.back() + 1) * kBlock);
    from &= ~uint64_t{4095};
    (void)::madvise(const_cast<uint8_t*>(e->map) + from, to - from, MADV_POPULATE_READ);
    for (uint64_t b : todo) {
      size_t len = static_cast<size_t>(std::min<uint64_t>(kBlock, record.length - b * kBlock));
      if (b >= record.block_crcs.size() ||
          crc32c(0, e->data() + b * kBlock, len) != record.block_crcs[b])
        return std::nullopt;
    }
  }
  MutexLock lock(&mu_);
  for (uint64_t b : todo) e->checked[b] = true;
  if (e->locked) {
    auto it = entries_.find(chunk_id);
    if (it == entries_.end()) {
      evict_for(e->map_length);
      if (e->map_length <= capacity_) {
        lru_.push_front(chunk_id);
        e->lru = lru_.begin();
        entries_.emplace(chunk_id, e);
        bytes_held_ += e->map_length;
      }
    } else if (it->second == e) {
      lru_.splice(lru_.begin(), lru_, e->lru);
    }
  }
  return FileRange{std::shared_ptr<const UniqueFd>(e, &e->fd), ChunkFile::kHeaderSize + offset, n};
}

void VerifiedChunkCache::evict_for(uint64_t bytes) {
  while (!lru_.empty() && bytes_held_ + bytes > capacity_) drop(lru_.back());
}

void VerifiedChunkCache::drop(uint64_t chunk_id) {
  auto it = entries_.find(chunk_id);
  if (it == entries_.end()) return;
  bytes_held_ -= it->second->map_length;
  lru_.erase(it->second->lru);
  entries_.erase(it);  // unmapped when the last range using it is gone
}

void VerifiedChunkCache::forget(uint64_t chunk_id) {
  MutexLock lock(&mu_);
  drop(chunk_id);
}

void VerifiedChunkCache::forget_drive(uint32_t drive_id) {
  MutexLock lock(&mu_);
  std::vector<uint64_t> ids;
  for (const auto& [id, e] : entries_) {
    if (e->drive_id == drive_id) ids.push_back(id);
  }
  for (uint64_t id : ids) drop(id);
}

bool VerifiedChunkCache::holding() const {
  MutexLock lock(&mu_);
  return capacity_ > 0 && can_lock_;
}

VerifiedChunkCache::Stats VerifiedChunkCache::stats() const {
  MutexLock lock(&mu_);
  return Stats{hits_, bytes_held_, entries_.size()};
}

}  // namespace skyarray
