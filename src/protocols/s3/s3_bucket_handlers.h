// S3BucketHandlers: the service and bucket operations — ListBuckets, bucket
// create/head/delete, location, and the bucket's versioning, tagging and
// CORS configuration (over services::BucketConfig).
// A handler answers one route of s3_routes.h, after authorization.
// Internal to protocols/s3.
#pragma once

#include "common/async.h"
#include "protocols/s3/s3_context.h"
#include "services/objects/bucket_config.h"

namespace skyarray::s3 {

class S3RequestIo;

class S3BucketHandlers {
 public:
  S3BucketHandlers(services::BucketConfig& buckets, const S3RequestIo& io)
      : buckets_(buckets), io_(io) {}

  Task<Response> list_buckets(S3Context& ctx);
  Task<Response> create_bucket(S3Context& ctx);
  Task<Response> head_bucket(S3Context& ctx);
  Task<Response> delete_bucket(S3Context& ctx);
  Task<Response> get_bucket_location(S3Context& ctx);
  Task<Response> get_bucket_versioning(S3Context& ctx);
  Task<Response> put_bucket_versioning(S3Context& ctx);
  Task<Response> get_bucket_encryption(S3Context& ctx);
  Task<Response> put_bucket_encryption(S3Context& ctx);
  Task<Response> delete_bucket_encryption(S3Context& ctx);
  Task<Response> get_bucket_tagging(S3Context& ctx);
  Task<Response> put_bucket_tagging(S3Context& ctx);
  Task<Response> delete_bucket_tagging(S3Context& ctx);
  Task<Response> get_bucket_cors(S3Context& ctx);
  Task<Response> put_bucket_cors(S3Context& ctx);
  Task<Response> delete_bucket_cors(S3Context& ctx);

 private:
  services::BucketConfig& buckets_;
  const S3RequestIo& io_;
};

}  // namespace skyarray::s3
