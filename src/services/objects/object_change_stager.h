// ObjectChangeStager: the port through which a service stages its own
// records in the very batch that commits a change of an object, so that
// both commit atomically or not at all (the cloud tier queues its upload
// work this way). The object service calls it; the files, DICOM and block
// services, which commit object changes of their own, call it the same way.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"

namespace skyarray {
class MetaBatch;
}

namespace skyarray::services {

class ObjectChangeStager {
 public:
  virtual ~ObjectChangeStager() = default;

  // Told of every committed change of an object, inside the change's own
  // batch: put, overwrite, append, multipart complete, copy, delete
  // (markers and versions) and tag changes. What it adds to `batch`
  // commits with the change. Called on the blocking pool under the key's
  // lock: it must not block on the network. An error fails the change.
  // `size`: bytes of the object's new visible version (0 when deleted).
  virtual Status stage_change(MetaBatch* batch, const std::string& bucket, const std::string& key,
                              uint64_t size) = 0;
};

}  // namespace skyarray::services
