// The store's BlobWriter (blob_writer.cc): cuts a stream into chunks and
// writes their replicas on the store's I/O threads. Internal to store/;
// BlobStore::new_writer() hands these out.
#pragma once

#include <memory>

#include "store/blob_store.h"

namespace skyarray {

class StoreCore;

std::unique_ptr<BlobWriter> make_blob_writer(StoreCore* store, const WriteOptions& options);

}  // namespace skyarray
