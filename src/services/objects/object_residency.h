// ObjectResidency: where an object version's bytes live — evict them to
// the cloud tier, import versions whose bytes are only in the cloud
// (restore), and bring the bytes back (refill). The cloud tier's calls into
// the object service. None is a change of the object: a client sees the
// same version, ETag and metadata before and after, and the tier's change
// hook is not told.
//
// Part of the object service (object_service.h says what every call
// guarantees: atomic synced commits, owner isolation, threading, errors).
// Arguments are taken by const reference and must outlive the call: co_await
// each call in the statement that makes it.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/async.h"
#include "common/status.h"
#include "services/objects/object_types.h"
#include "services/objects/object_writer.h"

namespace skyarray::services {

class ObjectContext;

class ObjectResidency {
 public:
  explicit ObjectResidency(std::shared_ptr<ObjectContext> ctx);

  // Drops the local bytes of the latest version of bucket/key when its ETag
  // is `etag` (the cloud tier has verified its copy); the record, listings
  // and metadata stay, and reads go through TieringPort::open_evicted.
  // Not a change: the hook is not told. kPreconditionFailed when the latest
  // version differs (changed meanwhile), OK when already evicted.
  Task<Status> evict_object(const std::string& bucket, const std::string& key,
                            const std::string& etag);

  // Restore from the cloud tier. import_evicted records
  // the latest version of bucket/key as another array had it, with its bytes
  // only in the cloud (evicted); kConflict when the key already has a
  // version (a client wrote it first). Not a change: the hook is not told.
  Task<Status> import_evicted(const std::string& bucket, const std::string& key,
                              const ImportedObject& object);
  // The whole version list of bucket/key (oldest first; delete markers
  // included) with the same rules; the newest entry becomes the latest.
  Task<Status> import_versions(const std::string& bucket, const std::string& key,
                               const std::vector<ImportedObject>& versions);
  // A writer for the bytes of the evicted latest version of bucket/key whose
  // ETag is `etag` (prefetch after restore, re-cache on read). commit()
  // checks the size and, for a plain MD5 ETag, the MD5, then makes the
  // version resident again; kPreconditionFailed when the key changed or is
  // resident already. Not a change: the hook is not told.
  Result<std::unique_ptr<ObjectWriter>> refill_object(const std::string& bucket,
                                                      const std::string& key,
                                                      const std::string& etag);

 private:
  std::shared_ptr<ObjectContext> ctx_;
};

}  // namespace skyarray::services
