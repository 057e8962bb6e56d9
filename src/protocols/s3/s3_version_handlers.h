// S3VersionHandlers: the version history of keys — ListObjectVersions (over
// services::ObjectVersions; the delete markers a read runs into are
// reported by S3ObjectReadHandlers).
// A handler answers one route of s3_routes.h, after authorization.
// Internal to protocols/s3.
#pragma once

#include "common/async.h"
#include "protocols/s3/s3_context.h"
#include "services/objects/object_versions.h"

namespace skyarray::s3 {

class S3VersionHandlers {
 public:
  S3VersionHandlers(services::ObjectVersions& versions) : versions_(versions) {}

  Task<Response> list_object_versions(S3Context& ctx);

 private:
  services::ObjectVersions& versions_;
};

}  // namespace skyarray::s3
