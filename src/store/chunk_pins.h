// ChunkPins: the chunks open readers are reading, so that the collector
// never removes a chunk under a reader. Internal to store/.
//
// A BlobReader pins every chunk of its range when it opens and unpins them
// when it is destroyed: a GET streaming an object that is overwritten or
// deleted meanwhile still returns every byte of the version it opened.
// The collector claims a chunk (try_claim) before it erases the record and
// removes the files; a pinned chunk is not claimed, its GC queue entry
// stays, and a later collection takes it once the last reader is gone.
// Pins live in memory only: a restart closes every reader anyway. Pinning
// costs one mutex and a hash update per chunk, no metadata write.
//
// Thread safety: all methods are thread-safe.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/mutex.h"

namespace skyarray {

class ChunkPins {
 public:
  // Pins each of `ids` once per occurrence. Fails (pinning nothing) when
  // one of them is being collected right now: the blob was deleted before
  // the reader opened.
  bool pin(const std::vector<uint64_t>& ids);
  void unpin(const std::vector<uint64_t>& ids);
  // Collector: marks `id` as being collected unless a reader pins it.
  bool try_claim(uint64_t id);
  // Collector: the claimed chunks are gone (or were kept); forget them.
  void release_claims(const std::vector<uint64_t>& ids);
  // Chunks pinned by at least one reader.
  size_t pinned() const;

 private:
  mutable Mutex mu_;
  std::unordered_map<uint64_t, uint32_t> readers_ GUARDED_BY(mu_);
  std::unordered_set<uint64_t> collecting_ GUARDED_BY(mu_);
};

}  // namespace skyarray
