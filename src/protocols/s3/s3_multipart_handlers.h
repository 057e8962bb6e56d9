// S3MultipartHandlers: multipart uploads — Create, UploadPart,
// UploadPartCopy, Complete, Abort, ListParts, ListMultipartUploads (over
// services::MultipartUploads).
// A handler answers one route of s3_routes.h, after authorization.
// Internal to protocols/s3.
#pragma once

#include "common/async.h"
#include "protocols/s3/s3_context.h"
#include "services/objects/multipart_uploads.h"

namespace skyarray::s3 {

class S3RequestIo;

class S3MultipartHandlers {
 public:
  S3MultipartHandlers(services::MultipartUploads& uploads, const S3RequestIo& io)
      : uploads_(uploads), io_(io) {}

  Task<Response> create_multipart_upload(S3Context& ctx);
  Task<Response> upload_part(S3Context& ctx);
  Task<Response> upload_part_copy(S3Context& ctx);
  Task<Response> complete_multipart_upload(S3Context& ctx);
  Task<Response> abort_multipart_upload(S3Context& ctx);
  Task<Response> list_parts(S3Context& ctx);
  Task<Response> list_multipart_uploads(S3Context& ctx);

 private:
  services::MultipartUploads& uploads_;
  const S3RequestIo& io_;
};

}  // namespace skyarray::s3
