// ObjectChunkNames: the object service's side of store/chunk_owner_names.h.
// Reads the ChunkOwnerTag the service wrote into a chunk's header and finds
// the version (or the multipart part) whose data holds the chunk, so the
// store's data-loss and repair messages name "bucket/key version <id>".
//
// The tag gives bucket, key and when the write began; the version id is
// assigned at commit, so the versions of bucket/key are searched (newest
// first, at most kMaxVersions) for the one whose BlobRef lists the chunk.
// A chunk shared by a copy is named by the object it was written for.
//
// Thread safety: const and stateless but for the MetaStore, which must
// outlive the store the names are given to.
#pragma once

#include "store/chunk_owner_names.h"

namespace skyarray {
class MetaStore;
}

namespace skyarray::services {

class ObjectChunkNames final : public ChunkOwnerNames {
 public:
  static constexpr size_t kMaxVersions = 10000;

  explicit ObjectChunkNames(MetaStore& meta) : meta_(meta) {}
  // "bucket/key version <id>", "bucket/key upload <id> part <n>", or
  // "bucket/key (no stored version holds it; written <time>)"; empty for a
  // tag that is not an object tag. Key bytes below 0x20 are shown as \xHH.
  std::string name(uint64_t chunk_id, const ChunkOwner& owner) const override;

 private:
  MetaStore& meta_;
};

}  // namespace skyarray::services
