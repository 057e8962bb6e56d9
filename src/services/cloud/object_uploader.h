// ObjectUploader: one object version from the local store to the cloud.
// Up to `multipart_threshold` bytes go in one PUT; larger objects go in
// `part_size` parts, each recorded in the UploadQueue as it finishes (a
// MultipartProgress naming the local version), so a restart resumes
// without re-sending finished parts and a stale record (the object changed
// since) is abandoned. Content-MD5 and CRC32C go with every body.
//
// Threading: on I/O thread 0 (it uses the pool's background slots); the
// local reads and the hashing run on the blocking pool.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/async.h"
#include "common/status.h"
#include "services/cloud/cloud_counters.h"
#include "services/cloud/cloud_parts.h"
#include "services/cloud/cloud_target_pool.h"
#include "services/cloud/upload_queue.h"
#include "services/objects/object_service.h"

namespace skyarray {
class Runtime;
}

namespace skyarray::services {

class ObjectUploader {
 public:
  struct Options {
    uint64_t multipart_threshold = 16ull << 20;
    uint64_t part_size = 16ull << 20;
  };

  ObjectUploader(const CloudParts& parts, Options options);

  // Uploads version `info` as `cloud_key` through `slot` (counted in the
  // counters as bytes go up).
  Task<Status> upload(CloudTargetPool::Slot& slot, const CloudTargetConfig& cfg,
                      const ObjectInfo& info, const std::string& cloud_key);

 private:
  Task<Status> upload_whole(CloudTargetPool::Slot& slot, const CloudTargetConfig& cfg,
                            const ObjectInfo& info, const std::string& cloud_key,
                            const CloudObjectAttrs& attrs);
  Task<Status> upload_parts(CloudTargetPool::Slot& slot, const CloudTargetConfig& cfg,
                            const ObjectInfo& info, const std::string& cloud_key,
                            const CloudObjectAttrs& attrs);
  // The recorded progress of `info`'s multipart upload, or a new one.
  Task<Result<MultipartProgress>> resume_or_create(CloudTarget& target, const ObjectInfo& info,
                                                   const std::string& cloud_key,
                                                   const CloudObjectAttrs& attrs);
  // After kNoSuchUpload (the cloud dropped the upload): start over next time.
  Task<void> forget_progress(const ObjectInfo& info);
  Task<Result<CloudObjectAttrs>> attrs_of(const ObjectInfo& info);
  Task<Result<std::string>> read_local(const ObjectInfo& info, uint64_t first, uint64_t length);

  const CloudParts parts_;
  Options options_;
};

}  // namespace skyarray::services
