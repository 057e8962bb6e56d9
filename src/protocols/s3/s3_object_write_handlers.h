// S3ObjectWriteHandlers: changing objects — PutObject (and append),
// DeleteObject, DeleteObjects, CopyObject, Put/DeleteObjectTagging (over
// services::ObjectWrites).
// A handler answers one route of s3_routes.h, after authorization.
// Internal to protocols/s3.
#pragma once

#include "common/async.h"
#include "protocols/s3/s3_context.h"
#include "services/objects/object_reads.h"
#include "services/objects/object_writes.h"

namespace skyarray::s3 {

class S3RequestIo;
class S3Authorizer;

class S3ObjectWriteHandlers {
 public:
  S3ObjectWriteHandlers(services::ObjectWrites& writes, services::ObjectReads& reads,
                        S3Authorizer& auth, const S3RequestIo& io)
      : writes_(writes), reads_(reads), auth_(auth), io_(io) {}

  Task<Response> put_object(S3Context& ctx);
  Task<Response> append_object(S3Context& ctx);
  Task<Response> delete_object(S3Context& ctx);
  Task<Response> delete_objects(S3Context& ctx);
  Task<Response> copy_object(S3Context& ctx);
  Task<Response> put_object_tagging(S3Context& ctx);
  Task<Response> delete_object_tagging(S3Context& ctx);

 private:
  services::ObjectWrites& writes_;
  services::ObjectReads& reads_;
  S3Authorizer& auth_;
  const S3RequestIo& io_;
};

}  // namespace skyarray::s3
