// Authorizer: the one access decision for a request on a bucket, combining
// the bucket policy, ownership and ACLs the way S3 does:
//   1. an applicable Deny in the bucket policy refuses (even the owner —
//      except Get/Put/DeleteBucketPolicy by the owner, so a policy can never
//      lock its owner out);
//   2. the bucket owner is allowed;
//   3. an applicable Allow in the policy allows — unless Block Public
//      Access's RestrictPublicBuckets is on and the policy is public;
//   4. a grant of the bucket's ACL, then of the object's ACL, allows —
//      unless OwnershipControls disable ACLs (BucketOwnerEnforced); with
//      IgnorePublicAcls, grants to AllUsers / AuthenticatedUsers count for
//      nothing;
//   5. anything else is an implicit deny (AccessDenied).
// Anonymous requests (no signature) reach only what a policy grants to
// Principal "*" or an ACL grants to AllUsers.
//
// Pure; thread-safe.
#pragma once

#include <memory>
#include <string>

#include "services/security/access_control_list.h"
#include "services/security/bucket_policy.h"
#include "services/security/object_ownership.h"
#include "services/security/policy_evaluator.h"
#include "services/security/public_access_block.h"

namespace skyarray::services {

// What authorization needs to know about a bucket (cached by the object
// service; see ObjectService::bucket_access).
struct BucketAccess {
  std::string owner;
  std::shared_ptr<const BucketPolicy> policy;  // null: none
  AccessControlList acl;
  PublicAccessBlock public_access_block;     // all off when none was put
  std::optional<ObjectOwnership> ownership;  // none: ACLs enabled
  // Object Lock is on: front ends refuse lock requests on other buckets
  // before reading a body.
  bool object_lock_enabled = false;
  // Lifecycle rules are set: front ends ask for x-amz-expiration only then.
  bool lifecycle_configured = false;

  bool acls_enabled() const { return ownership != ObjectOwnership::kBucketOwnerEnforced; }
};

enum class AccessDecision : uint8_t { kAllow, kDeny, kImplicitDeny };

class Authorizer {
 public:
  // `object_acl`: the ACL of the object version the request names, when the
  // caller has loaded it (see object_acl_may_grant).
  static AccessDecision decide(const AccessRequest& request, const BucketAccess& bucket,
                               const AccessControlList* object_acl);
  // Whether the object's own ACL could allow the request: worth loading it
  // only then, and only after decide() without it gave kImplicitDeny.
  static bool object_acl_may_grant(const AccessRequest& request, const BucketAccess& bucket);
};

}  // namespace skyarray::services
