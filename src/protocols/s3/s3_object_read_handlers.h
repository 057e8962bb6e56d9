// S3ObjectReadHandlers: reading objects — GetObject/HeadObject (ranges,
// parts, conditions, response overrides), ListObjects(V2), GetObjectTagging
// and GetObjectAttributes (over services::ObjectReads).
// A handler answers one route of s3_routes.h, after authorization.
// Internal to protocols/s3.
#pragma once

#include "common/async.h"
#include "protocols/s3/s3_context.h"
#include "services/objects/object_reads.h"
#include "services/objects/object_versions.h"

namespace skyarray::s3 {

class S3RequestIo;

class S3ObjectReadHandlers {
 public:
  S3ObjectReadHandlers(services::ObjectReads& reads, services::ObjectVersions& versions,
                       const S3RequestIo& io)
      : reads_(reads), versions_(versions), io_(io) {}

  Task<Response> get_object(S3Context& ctx);
  Task<Response> head_object(S3Context& ctx);
  Task<Response> list_objects(S3Context& ctx);
  Task<Response> get_object_tagging(S3Context& ctx);
  Task<Response> get_object_attributes(S3Context& ctx);

 private:
  Task<Response> get_or_head_object(S3Context& ctx, bool head);
  // The response of a GET/HEAD that failed: the error plus what S3 adds
  // (validators on 304, delete-marker headers on 404/405).
  Task<Response> get_failure(S3Context& ctx, const services::GetOptions& g, const Status& failure);
  services::ObjectReads& reads_;
  services::ObjectVersions& versions_;
  const S3RequestIo& io_;
};

}  // namespace skyarray::s3
