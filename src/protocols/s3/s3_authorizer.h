// S3Authorizer: the one authorization point of every S3 request (after
// authentication). It takes the IAM action from the request's route
// (s3_routes.h) and asks services::Authorizer with the bucket's policy and
// ACLs. Internal to protocols/s3.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/async.h"
#include "common/status.h"
#include "protocols/s3/s3_context.h"
#include "services/objects/bucket_config.h"
#include "services/objects/object_reads.h"

namespace skyarray::s3 {

class S3RequestIo;

class S3Authorizer {
 public:
  S3Authorizer(services::BucketConfig& buckets, services::ObjectReads& reads, const S3RequestIo& io)
      : buckets_(buckets), reads_(reads), io_(io) {}

  // nullopt when allowed (and then ctx.access is set); otherwise the error
  // response. DeleteObjects and PostObject are decided by their handlers
  // (key by key; once the form names the uploader).
  Task<std::optional<Response>> authorize(S3Context& ctx);
  // Whether the caller may do `action` on bucket/key (policy, owner, ACLs
  // incl. the object's). For checks beyond the request's own resource: each
  // key of DeleteObjects, the source of a copy, a form upload.
  Task<Result<bool>> allowed(const S3Context& ctx, std::string_view action,
                             const std::string& bucket, const std::string& key,
                             const std::optional<std::string>& version_id);

 private:
  // The source of a copy: s3:GetObject(Version) on it, and its expected owner.
  Task<std::optional<Response>> authorize_copy_source(S3Context& ctx, std::string_view source);

  services::BucketConfig& buckets_;
  services::ObjectReads& reads_;
  const S3RequestIo& io_;
};

}  // namespace skyarray::s3
