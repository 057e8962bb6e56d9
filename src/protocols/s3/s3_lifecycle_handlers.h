// S3LifecycleHandlers: S3 bucket lifecycle — Get/Put/
// DeleteBucketLifecycleConfiguration (`?lifecycle` on a bucket, over
// services::BucketConfig; the XML in s3_lifecycle_xml.h) and the
// x-amz-expiration header S3 adds to GET/HEAD/PUT answers of objects a rule
// will expire.
// A handler answers one route of s3_routes.h, after authorization.
// Internal to protocols/s3.
#pragma once

#include "common/async.h"
#include "protocols/s3/s3_context.h"
#include "services/objects/bucket_config.h"

namespace skyarray::s3 {

class S3RequestIo;

class S3LifecycleHandlers {
 public:
  S3LifecycleHandlers(services::BucketConfig& buckets, const S3RequestIo& io)
      : buckets_(buckets), io_(io) {}

  Task<Response> get_bucket_lifecycle(S3Context& ctx);
  Task<Response> put_bucket_lifecycle(S3Context& ctx);
  Task<Response> delete_bucket_lifecycle(S3Context& ctx);

  // Adds `x-amz-expiration: expiry-date="<HTTP date>", rule-id="<id>"` to
  // a successful GetObject, HeadObject, PutObject, CopyObject or
  // CompleteMultipartUpload answer when the bucket has lifecycle rules and
  // one expires the object's current version. Costs nothing on buckets
  // without rules.
  Task<void> add_expiration(const S3Context& ctx, Response& response);

 private:
  services::BucketConfig& buckets_;
  const S3RequestIo& io_;
};

}  // namespace skyarray::s3
