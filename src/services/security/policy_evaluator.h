// PolicyEvaluator: what a bucket policy says about one request.
//
// A statement applies when its principal, action, resource and every
// condition match. The policy's answer is kDeny when any applicable
// statement denies (an explicit Deny always wins), else kAllow when one
// allows, else kNotApplicable (the caller falls back to ownership and ACLs).
//
// Conditions follow AWS: several values of one key are alternatives (any
// matches), several keys and operators must all hold. A key absent from the
// request fails a positive operator and satisfies a negated one
// (StringNotEquals, NotIpAddress, ...); "...IfExists" satisfies both when
// absent; "Null": true holds exactly when the key is absent.
//
// Pure function of its inputs; thread-safe.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "services/security/bucket_policy.h"

namespace skyarray::services {

// Who asks for what, as the authorization decision sees it.
struct AccessRequest {
  std::string user_id;     // empty: anonymous (no signature)
  std::string access_key;  // the signing key, when signed
  std::string action;      // "s3:GetObject"
  std::string bucket;
  std::string key;  // empty for bucket-level actions
  // Condition keys, lower case ("aws:sourceip" → "10.0.0.7", "s3:prefix" →
  // "scans/"). The front end fills what the request carries.
  std::map<std::string, std::string> context;
  // Multi-valued condition keys ("s3:requestobjecttagkeys" → the tag keys
  // of the request). ForAllValues: holds when every value matches (also
  // for none); ForAnyValue or no qualifier: when one does.
  std::map<std::string, std::vector<std::string>> multi_context;

  bool anonymous() const { return user_id.empty(); }
  // "arn:aws:s3:::bucket" or "arn:aws:s3:::bucket/key".
  std::string resource_arn() const;
};

enum class PolicyDecision : uint8_t { kNotApplicable, kAllow, kDeny };

class PolicyEvaluator {
 public:
  static PolicyDecision evaluate(const BucketPolicy& policy, const AccessRequest& request);
  // Whether one statement applies to the request (exposed for tests).
  static bool applies(const PolicyStatement& statement, const AccessRequest& request,
                      bool substitute_variables);
};

}  // namespace skyarray::services
