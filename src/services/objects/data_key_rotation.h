// DataKeyRotation: after a KMS key is rotated, reseals every data key
// sealed under one of its older versions with its newest, in every object
// version and multipart upload. No byte of data is rewritten: only the
// sealed data key in each record changes.
//
// Part of the object service (object_service.h). Each record is resealed
// under its key's lock and re-read there, so a version written or removed
// meanwhile is never brought back.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/async.h"
#include "common/status.h"

namespace skyarray::services {

class ObjectContext;

struct ResealResult {
  uint64_t scanned = 0;   // records looked at
  uint64_t resealed = 0;  // data keys moved to the newest key version
};

class DataKeyRotation {
 public:
  explicit DataKeyRotation(std::shared_ptr<ObjectContext> ctx);

  // kKeyUnavailable when the key is disabled (nothing is changed);
  // kNotSupported without a key store.
  Task<Result<ResealResult>> reseal(const std::string& key_id);

 private:
  std::shared_ptr<ObjectContext> ctx_;
};

}  // namespace skyarray::services
