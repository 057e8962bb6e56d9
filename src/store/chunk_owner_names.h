// ChunkOwnerNames: turns a chunk's owner (the tag its writer put in the
// chunk file header, drives/chunk_file.h) into the name of what the chunk
// belongs to, so that the store's messages and health report say which
// object is damaged, not only which chunk.
//
// The store only knows chunks; the tag is opaque to it. The service that
// wrote the tag (WriteOptions::owner) implements this port and hands it to
// BlobStore::set_owner_names(); the store never includes services.
#pragma once

#include <cstdint>
#include <string>

#include "drives/chunk_file.h"

namespace skyarray {

class ChunkOwnerNames {
 public:
  virtual ~ChunkOwnerNames() = default;
  // A short name for a person, e.g. "pacs/study.dcm version 0000018c3a2b4c5d";
  // empty when the owner names nothing this implementation knows.
  // Blocking (may read metadata); called concurrently from the store's I/O
  // and background threads.
  virtual std::string name(uint64_t chunk_id, const ChunkOwner& owner) const = 0;
};

}  // namespace skyarray
