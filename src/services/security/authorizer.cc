#include "services/security/authorizer.h"

namespace skyarray::services {

namespace {
bool manages_policy(const std::string& action) {
  return action == "s3:GetBucketPolicy" || action == "s3:PutBucketPolicy" ||
         action == "s3:DeleteBucketPolicy";
}
}  // namespace

AccessDecision Authorizer::decide(const AccessRequest& r, const BucketAccess& bucket,
                                  const AccessControlList* object_acl) {
  const bool owner = !r.anonymous() && r.user_id == bucket.owner;
  PolicyDecision policy = PolicyDecision::kNotApplicable;
  if (bucket.policy) policy = PolicyEvaluator::evaluate(*bucket.policy, r);
  if (policy == PolicyDecision::kDeny && !(owner && manages_policy(r.action))) {
    return AccessDecision::kDeny;
  }
  if (owner) return AccessDecision::kAllow;
  if (policy == PolicyDecision::kAllow &&
      !(bucket.public_access_block.restrict_public_buckets && bucket.policy->is_public())) {
    return AccessDecision::kAllow;
  }
  if (!bucket.acls_enabled()) return AccessDecision::kImplicitDeny;
  const bool public_grants = !bucket.public_access_block.ignore_public_acls;
  if (auto p = acl_permission_for(r.action, false);
      p && bucket.acl.allows(r.user_id, *p, public_grants)) {
    return AccessDecision::kAllow;
  }
  if (object_acl) {
    if (auto p = acl_permission_for(r.action, true);
        p && object_acl->allows(r.user_id, *p, public_grants)) {
      return AccessDecision::kAllow;
    }
  }
  return AccessDecision::kImplicitDeny;
}

bool Authorizer::object_acl_may_grant(const AccessRequest& r, const BucketAccess& bucket) {
  return bucket.acls_enabled() && !r.key.empty() && acl_permission_for(r.action, true).has_value();
}

}  // namespace skyarray::services
