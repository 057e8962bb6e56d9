// The store's BlobReader (blob_reader.cc): streams a range of a blob, every
// block verified, failing over between replicas and repairing bad ones.
// Internal to store/; BlobStore::new_reader() hands these out.
#pragma once

#include <memory>

#include "common/status.h"
#include "store/blob_ref.h"
#include "store/blob_store.h"

namespace skyarray {

class StoreCore;

// Pins every chunk of `range` (chunk_pins.h) for the reader's lifetime.
// kNotFound when a chunk of `range` is being collected (the blob was deleted).
Result<std::unique_ptr<BlobReader>> make_blob_reader(StoreCore* store, BlobRef range);

}  // namespace skyarray
