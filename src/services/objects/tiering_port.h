// TieringPort: the port through which a service reaches a tier that holds
// the bytes of some objects elsewhere (the cloud tier). The object service
// asks it before every change (a read-only mirror refuses), opens evicted
// versions through it and tells it of every read (recency for eviction);
// the files, DICOM and block services, which read and write the same
// objects, use it the same way.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/status.h"
#include "services/objects/object_types.h"

namespace skyarray::services {

class ObjectReader;

class TieringPort {
 public:
  virtual ~TieringPort() = default;

  // Asked before any change of an object in `bucket`: kReadOnly refuses it
  // (a bucket mirrored read-only from the cloud). System callers are the
  // mirror itself. Must not block.
  virtual Status check_writable(const Caller& caller, const std::string& bucket) = 0;

  // A reader of [first, first + length) of an evicted version, whose bytes
  // live only in the tier. Must not block (fetch lazily in read()).
  virtual Result<std::unique_ptr<ObjectReader>> open_evicted(const ObjectInfo& info, uint64_t first,
                                                             uint64_t length) = 0;

  // Told of every read (recency for cache eviction). Must be cheap.
  virtual void note_read(const Caller& caller, const std::string& bucket,
                         const std::string& key) = 0;
};

}  // namespace skyarray::services
