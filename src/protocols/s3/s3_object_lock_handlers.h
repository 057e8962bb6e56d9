// S3ObjectLockHandlers: S3 Object Lock — Get/PutObjectLockConfiguration
// (`?object-lock` on a bucket), Get/PutObjectRetention (`?retention`) and
// Get/PutObjectLegalHold (`?legal-hold`) on an object version (over
// services::BucketConfig, ObjectReads and ObjectWrites), and the governance
// bypass that DeleteObject(s) and PutObjectRetention honour.
// A handler answers one route of s3_routes.h, after authorization.
// Internal to protocols/s3.
#pragma once

#include <optional>
#include <string>

#include "common/async.h"
#include "protocols/s3/s3_context.h"
#include "services/objects/bucket_config.h"
#include "services/objects/object_reads.h"
#include "services/objects/object_writes.h"

namespace skyarray::s3 {

class S3RequestIo;
class S3Authorizer;

class S3ObjectLockHandlers {
 public:
  S3ObjectLockHandlers(services::BucketConfig& buckets, services::ObjectReads& reads,
                       services::ObjectWrites& writes, S3Authorizer& auth, const S3RequestIo& io)
      : buckets_(buckets), reads_(reads), writes_(writes), auth_(auth), io_(io) {}

  Task<Response> get_object_lock_configuration(S3Context& ctx);
  Task<Response> put_object_lock_configuration(S3Context& ctx);
  Task<Response> get_object_retention(S3Context& ctx);
  Task<Response> put_object_retention(S3Context& ctx);
  Task<Response> get_object_legal_hold(S3Context& ctx);
  Task<Response> put_object_legal_hold(S3Context& ctx);

 private:
  // InvalidRequest unless the bucket has Object Lock (S3's answer to every
  // Object Lock request on another bucket).
  static Status needs_object_lock(const S3Context& ctx);
  // The version's lock (GET ?retention / ?legal-hold).
  Task<Result<services::ObjectLock>> lock_of(S3Context& ctx);

  services::BucketConfig& buckets_;
  services::ObjectReads& reads_;
  services::ObjectWrites& writes_;
  S3Authorizer& auth_;
  const S3RequestIo& io_;
};

// Whether the request asks to bypass GOVERNANCE retention
// (x-amz-bypass-governance-retention: true) and the caller holds
// s3:BypassGovernanceRetention on bucket/key (the bucket owner, or a policy
// Allow; a policy Deny wins). Without the permission the request goes on
// unbypassed, so it fails with AccessDenied only where a GOVERNANCE
// retention is in force.
Task<Result<bool>> governance_bypass(S3Authorizer& auth, const S3Context& ctx,
                                     const std::string& bucket, const std::string& key,
                                     const std::optional<std::string>& version_id);

}  // namespace skyarray::s3
