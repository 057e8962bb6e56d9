// BucketConfig: buckets and their configuration — create, delete, list,
// versioning, tagging, CORS, and what access control reads and stores
// (policy, Block Public Access, OwnershipControls, bucket ACL, and the
// cached BucketAccess every request is authorized with).
//
// Part of the object service (object_service.h says what every call
// guarantees: atomic synced commits, owner isolation, threading, errors).
// Arguments are taken by const reference and must outlive the call: co_await
// each call in the statement that makes it.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/async.h"
#include "common/status.h"
#include "services/objects/object_records.h"
#include "services/objects/object_types.h"
#include "services/security/authorizer.h"

namespace skyarray::services {

class ObjectContext;

class BucketConfig {
 public:
  explicit BucketConfig(std::shared_ptr<ObjectContext> ctx);

  // Name rules (S3's general purpose buckets): 3–63 chars of [a-z0-9.-],
  // each dot-separated label starting and ending with a letter or digit (no
  // "..", ".-", "-."), not an IPv4 address, no "xn--", "sthree-" or
  // "amzn-s3-demo-" prefix, no "-s3alias", "--ol-s3", ".mrap", "--x-s3" or
  // "--table-s3" suffix → kInvalidBucketName.
  static Status validate_bucket_name(const std::string& name);

  Task<Result<BucketInfo>> create_bucket(const Caller& caller, const std::string& name,
                                         const CreateBucketOptions& options);
  Task<Result<BucketInfo>> head_bucket(const Caller& caller, const std::string& name);
  // kNotEmpty while any version or delete marker remains. In-progress
  // multipart uploads are aborted in the same batch.
  Task<Status> delete_bucket(const Caller& caller, const std::string& name);
  // The caller's buckets, by name (system callers: all buckets).
  Task<Result<std::vector<BucketInfo>>> list_buckets(const Caller& caller);

  // Enabled or Suspended only (kInvalidArgument for kUnversioned). A bucket
  // with Object Lock stays Enabled (kConflict: S3's InvalidBucketState).
  Task<Status> set_bucket_versioning(const Caller& caller, const std::string& bucket,
                                     VersioningState state);
  // Object Lock configuration (S3 Get/PutObjectLockConfiguration).
  // get: kNotFound when the bucket has no Object Lock. put: validated
  // (object_lock_rules.h); enables Object Lock on a bucket whose versioning
  // is Enabled (kConflict otherwise: S3's InvalidBucketState) and sets or
  // clears the default retention. Object Lock is never turned off.
  Task<Result<ObjectLockConfiguration>> get_object_lock_configuration(const Caller& caller,
                                                                      const std::string& bucket);
  Task<Status> put_object_lock_configuration(const Caller& caller, const std::string& bucket,
                                             const ObjectLockConfiguration& config);

  // Lifecycle configuration (S3 Get/Put/DeleteBucketLifecycleConfiguration;
  // lifecycle_configuration.h). get: kNotFound when none. put: a rule
  // without an ID is given a random one, then the whole is validated
  // (kInvalidArgument) and replaces the old configuration; the lifecycle
  // worker starts a new pass over the bucket with it (object_lifecycle.h).
  Task<Result<LifecycleConfiguration>> get_lifecycle_configuration(const Caller& caller,
                                                                   const std::string& bucket);
  Task<Status> put_lifecycle_configuration(const Caller& caller, const std::string& bucket,
                                           const LifecycleConfiguration& config);
  Task<Status> delete_lifecycle_configuration(const Caller& caller, const std::string& bucket);
  // When the latest version of bucket/key expires under the bucket's rules
  // and by which rule (S3's x-amz-expiration). nullopt when no rule expires
  // it, when the key has no latest version, or when `version_id` names
  // another version.
  Task<Result<std::optional<LifecycleExpiration>>> lifecycle_expiration(
      const Caller& caller, const std::string& bucket, const std::string& key,
      const std::optional<std::string>& version_id);

  // Empty TagSet = none (S3: NoSuchTagSet). At most 50 tags.
  Task<Result<TagSet>> get_bucket_tagging(const Caller& caller, const std::string& bucket);
  Task<Status> put_bucket_tagging(const Caller& caller, const std::string& bucket,
                                  const TagSet& tags);
  Task<Status> delete_bucket_tagging(const Caller& caller, const std::string& bucket);
  // Empty list = none (S3: NoSuchCORSConfiguration). At most 100 rules.
  Task<Result<std::vector<CorsRule>>> get_bucket_cors(const Caller& caller,
                                                      const std::string& bucket);
  Task<Status> put_bucket_cors(const Caller& caller, const std::string& bucket,
                               const std::vector<CorsRule>& rules);
  Task<Status> delete_bucket_cors(const Caller& caller, const std::string& bucket);
  // CORS evaluation for preflight and actual requests; needs no caller (S3
  // answers preflights anonymously). First rule matching origin, method and
  // every requested header; nullopt when none (or the bucket has no rules).
  Task<Result<std::optional<CorsRule>>> match_cors(const std::string& bucket,
                                                   const std::string& origin,
                                                   const std::string& method,
                                                   const std::vector<std::string>& request_headers);

  // ------------------------------------------------------------ access
  // What the authorizer needs about `bucket` (owner, parsed policy, ACL),
  // with no caller check: the front end decides with it before calling
  // anything else. Served from memory after the first load; every change
  // of the bucket's record refreshes it. kBucketNotFound when absent.
  Task<Result<std::shared_ptr<const BucketAccess>>> bucket_access(const std::string& bucket);
  // The policy JSON as stored; empty when none.
  Task<Result<std::string>> get_bucket_policy(const Caller& caller, const std::string& bucket);
  // Validates (BucketPolicy::parse: kInvalidArgument with the reason) and
  // stores the policy.
  Task<Status> put_bucket_policy(const Caller& caller, const std::string& bucket,
                                 const std::string& policy);
  Task<Status> delete_bucket_policy(const Caller& caller, const std::string& bucket);
  // Block Public Access settings; nullopt when none were put.
  Task<Result<std::optional<PublicAccessBlock>>> get_public_access_block(const Caller& caller,
                                                                         const std::string& bucket);
  Task<Status> put_public_access_block(const Caller& caller, const std::string& bucket,
                                       const PublicAccessBlock& settings);
  Task<Status> delete_public_access_block(const Caller& caller, const std::string& bucket);
  // OwnershipControls; nullopt when none were put (see object_ownership.h).
  Task<Result<std::optional<ObjectOwnership>>> get_ownership_controls(const Caller& caller,
                                                                      const std::string& bucket);
  Task<Status> put_ownership_controls(const Caller& caller, const std::string& bucket,
                                      ObjectOwnership ownership);
  Task<Status> delete_ownership_controls(const Caller& caller, const std::string& bucket);
  // Default encryption (mode kNone: none configured). put: kS3 or kKms
  // with a key the key store has (kInvalidArgument otherwise).
  Task<Result<BucketEncryption>> get_bucket_encryption(const Caller& caller,
                                                       const std::string& bucket);
  Task<Status> put_bucket_encryption(const Caller& caller, const std::string& bucket,
                                     const BucketEncryption& encryption);
  Task<Status> delete_bucket_encryption(const Caller& caller, const std::string& bucket);
  Task<Result<AccessControlList>> get_bucket_acl(const Caller& caller, const std::string& bucket);
  Task<Status> put_bucket_acl(const Caller& caller, const std::string& bucket,
                              const AccessControlList& acl);

 private:
  // Read-modify-write of the bucket record under the exclusive buckets lock
  // (blocking); refreshes the access cache.
  Status update_bucket(const Caller& caller, const std::string& name,
                       const std::function<Status(BucketRecord&)>& mutate);
  // update_bucket() on the blocking pool, `mutate` (void(BucketRecord&))
  // setting the fields.
  template <typename Mutate>
  Task<Status> change_bucket(const Caller& caller, const std::string& bucket, Mutate mutate);
  // One field of the bucket record, checking the caller may use the bucket.
  template <typename T>
  Task<Result<T>> read_field(const Caller& caller, const std::string& bucket,
                             T BucketRecord::*field);

  std::shared_ptr<ObjectContext> ctx_;
};

}  // namespace skyarray::services
