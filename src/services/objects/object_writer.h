// ObjectWriter: streams the bytes of one new object version (put, append or
// upload part) into the object service.
#pragma once

#include <cstdint>
#include <string>

#include "common/async.h"
#include "common/buffer.h"
#include "common/status.h"
#include "services/objects/object_types.h"

namespace skyarray::services {

// Nothing is visible until commit() returns OK; abort() or destruction
// without commit reclaims everything written. Used by one coroutine at a
// time.
class ObjectWriter {
 public:
  virtual ~ObjectWriter() = default;
  // Appends the buffer's bytes. Errors are sticky: commit() will fail too.
  virtual Task<Status> write(Buffer data) = 0;
  // Sets/overrides the expected checksum (a trailer arriving after the body).
  virtual void expect_checksum(ChecksumAlgorithm algorithm, std::string raw_digest) = 0;
  // Verifies size, Content-MD5 and checksum (kBadDigest / kInvalidArgument),
  // evaluates the write conditions (kPreconditionFailed, kPositionMismatch),
  // then commits atomically. For an upload part the returned ObjectInfo has
  // etag/size/checksum of the part. Call at most once.
  virtual Task<Result<ObjectInfo>> commit() = 0;
  // Drops the written bytes. Safe to call after a failed commit; idempotent.
  virtual Task<void> abort() = 0;
  virtual uint64_t bytes_written() const = 0;
};

}  // namespace skyarray::services
