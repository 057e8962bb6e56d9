// UploadDigests: the MD5 and CRC32C of a body sent to the cloud
// (Content-MD5 and x-amz-checksum-crc32c), for the cloud to verify.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/status.h"

namespace skyarray::services {

struct UploadDigests {
  std::string md5;
  uint32_t crc = 0;
};

// Both digests of `body`. Hashing is slow: run it on the blocking pool when
// the body is large (a loop shared by all upload workers would wait).
Result<UploadDigests> upload_digests(const std::string& body);

// The MD5 a simple object's ETag states (32 hex digits); nullopt for a
// multipart or appended object's "<hex>-<n>" and anything else.
std::optional<std::string> md5_of_etag(const std::string& etag);

}  // namespace skyarray::services
