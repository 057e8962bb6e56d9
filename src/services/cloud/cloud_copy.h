// Copying a cloud object into the local store: its bytes into an
// ObjectWriter (the one loop behind subscribe imports, JournalFollower, and
// restore prefetch, RestoreJob) and its content headers.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "common/async.h"
#include "common/status.h"
#include "services/cloud/cloud_target.h"
#include "services/objects/object_service.h"

namespace skyarray::services {

// The content headers of a cloud object, as the object service keeps them.
ContentHeaders content_of(const CloudObjectAttrs& attrs);

// Called before each ranged GET with its length (a bandwidth limit); empty:
// nothing to wait for.
using BeforeCloudGet = std::function<Task<void>(uint64_t bytes)>;

// Writes bytes [0, size) of cloud object `key` to `writer` in ranged GETs of
// `piece` bytes. A failed or short GET, or a failed write, aborts the writer
// and is returned (kIoError for a short read); the caller commits on
// success.
Task<Status> copy_from_cloud(CloudTarget& target, const std::string& key, uint64_t size,
                             uint64_t piece, ObjectWriter& writer,
                             const BeforeCloudGet& before_get);

}  // namespace skyarray::services
