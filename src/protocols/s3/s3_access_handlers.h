// S3AccessHandlers: the access configuration of buckets and objects — bucket
// policy (and its status), Block Public Access, OwnershipControls, and
// bucket and object ACLs. What they change in access decisions is
// services/security/authorizer.h; what they refuse when ACLs or policies
// are set is check_acl_allowed (s3_acl.h) and put_bucket_policy.
// A handler answers one route of s3_routes.h, after authorization.
// Internal to protocols/s3.
#pragma once

#include "common/async.h"
#include "protocols/s3/s3_context.h"
#include "services/objects/bucket_config.h"
#include "services/objects/object_reads.h"
#include "services/objects/object_writes.h"

namespace skyarray::s3 {

class S3RequestIo;

class S3AccessHandlers {
 public:
  S3AccessHandlers(services::BucketConfig& buckets, services::ObjectReads& reads,
                   services::ObjectWrites& writes, const S3RequestIo& io)
      : buckets_(buckets), reads_(reads), writes_(writes), io_(io) {}

  Task<Response> get_bucket_policy(S3Context& ctx);
  Task<Response> put_bucket_policy(S3Context& ctx);
  Task<Response> delete_bucket_policy(S3Context& ctx);
  Task<Response> get_bucket_policy_status(S3Context& ctx);
  Task<Response> get_public_access_block(S3Context& ctx);
  Task<Response> put_public_access_block(S3Context& ctx);
  Task<Response> delete_public_access_block(S3Context& ctx);
  Task<Response> get_ownership_controls(S3Context& ctx);
  Task<Response> put_ownership_controls(S3Context& ctx);
  Task<Response> delete_ownership_controls(S3Context& ctx);
  Task<Response> get_acl(S3Context& ctx);
  Task<Response> put_acl(S3Context& ctx);

 private:
  services::BucketConfig& buckets_;
  services::ObjectReads& reads_;
  services::ObjectWrites& writes_;
  const S3RequestIo& io_;
};

}  // namespace skyarray::s3
