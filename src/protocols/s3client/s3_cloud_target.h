// S3CloudTarget: services::CloudTarget over S3 (HttpClient + SigV4Signer),
// parsing S3's XML answers with pugixml. Works with any S3 service: AWS,
// Ceph radosgw, MinIO, and skyarray's own `serve --role cloud`.
//
// Wire choices: path-style ("/bucket/key") or virtual-hosted
// ("bucket.host/key") addressing; payloads signed with their SHA-256;
// Content-MD5 on every upload and, unless the target says otherwise,
// x-amz-checksum-crc32c. Error bodies (<Error><Code>) map to StatusCode:
// NoSuchKey/404 → kNotFound, AccessDenied/InvalidAccessKeyId/
// SignatureDoesNotMatch/403 → kPermissionDenied, BadDigest/InvalidDigest/
// XAmzContentChecksumMismatch → kBadDigest, NoSuchBucket → kBucketNotFound,
// NoSuchUpload → kNoSuchUpload, 5xx/SlowDown → kUnavailable (retryable).
#pragma once

#include <memory>

#include "common/status.h"
#include "services/cloud/cloud_config.h"
#include "services/cloud/cloud_target.h"

namespace boost::asio {
class io_context;
}

namespace skyarray::s3client {

Result<std::unique_ptr<services::CloudTarget>> make_s3_cloud_target(
    boost::asio::io_context& io, const services::CloudTargetConfig& config);

}  // namespace skyarray::s3client
