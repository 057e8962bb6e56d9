#include "store/chunk_pins.h"

namespace skyarray {

bool ChunkPins::pin(const std::vector<uint64_t>& ids) {
  MutexLock lock(&mu_);
  if (!collecting_.empty()) {
    for (uint64_t id : ids) {
      if (collecting_.count(id)) return false;
    }
  }
  for (uint64_t id : ids) readers_[id]++;
  return true;
}

void ChunkPins::unpin(const std::vector<uint64_t>& ids) {
  MutexLock lock(&mu_);
  for (uint64_t id : ids) {
    auto it = readers_.find(id);
    if (it == readers_.end()) continue;
    if (--it->second == 0) readers_.erase(it);
  }
}

bool ChunkPins::try_claim(uint64_t id) {
  MutexLock lock(&mu_);
  if (readers_.count(id)) return false;
  collecting_.insert(id);
  return true;
}

void ChunkPins::release_claims(const std::vector<uint64_t>& ids) {
  MutexLock lock(&mu_);
  for (uint64_t id : ids) collecting_.erase(id);
}

size_t ChunkPins::pinned() const {
  MutexLock lock(&mu_);
  return readers_.size();
}

}  // namespace skyarray
