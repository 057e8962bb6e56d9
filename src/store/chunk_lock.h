// ChunkLock: exclusive right to rewrite one chunk's replicas or record
// (read-repair, rebuild, scrub repair), held for the lock's lifetime.
// Internal to store/.
//
// Not blocking: owned() is false when another holder has the chunk, and
// the caller leaves it for later (the next pass, the next read).
#pragma once

#include <cstdint>

#include "store/chunk_access.h"

namespace skyarray {

class ChunkLock {
 public:
  ChunkLock(ChunkAccess* chunks, uint64_t chunk_id)
      : chunks_(chunks), id_(chunk_id), owned_(chunks->try_lock_chunk(chunk_id)) {}
  ~ChunkLock() {
    if (owned_) chunks_->unlock_chunk(id_);
  }
  ChunkLock(const ChunkLock&) = delete;
  ChunkLock& operator=(const ChunkLock&) = delete;
  bool owned() const { return owned_; }

 private:
  ChunkAccess* chunks_;
  uint64_t id_;
  bool owned_;
};

}  // namespace skyarray
