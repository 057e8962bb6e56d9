// PutCommitStager: the port through which the service that writes an
// object stages its own records (a DICOM index entry, say) in the very
// batch that commits that object, so that both become visible and durable
// together or not at all: after a crash there is never a record without
// its object, nor an object without its record.
//
// Unlike ObjectChangeStager (told of every change of every object, the
// cloud tier's port), this one belongs to one put: the writer passes it to
// ObjectWrites::put_object and it is called only for that put's commit.
#pragma once

#include <optional>

#include "common/status.h"
#include "services/objects/object_types.h"

namespace skyarray {
class MetaBatch;
}

namespace skyarray::services {

class PutCommitStager {
 public:
  virtual ~PutCommitStager() = default;

  // Called by the put's commit, after its conditions passed and its new
  // version is staged in `batch`, under the key's lock, on the blocking
  // pool or, when everything the commit reads is cached, on the network
  // thread: it must not block, nor take the key's lock. An attempt on the
  // network thread that would block is dropped before anything is applied
  // and made again on the pool, so this may be called twice for one put:
  // only the batch of the attempt that commits counts.
  // `written`: the version being committed (bucket, key, version id, size,
  // etag); `replaced`: the latest version before this put, if any. What it
  // adds to `batch` commits with the object; an error fails the put and
  // nothing of it becomes visible. Not called when the put fails earlier
  // (conditions, digests), so nothing staged can outlive a refused put.
  virtual Status stage_with_put(MetaBatch* batch, const ObjectInfo& written,
                                const std::optional<ObjectInfo>& replaced) = 0;
};

}  // namespace skyarray::services
