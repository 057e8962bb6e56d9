// BucketPolicy: a bucket policy in the AWS policy language, parsed and
// validated once (at PutBucketPolicy and when a bucket's record is loaded).
//
// Accepted document (JSON, at most kMaxPolicyBytes):
//   {"Version": "2012-10-17" | "2008-10-17",   (optional; policy variables
//                                                 ${...} only with 2012-10-17)
//    "Id": "...",                                (optional)
//    "Statement": [ {...} ] | {...}}
// Statement: "Sid" (optional), "Effect": "Allow" | "Deny",
//   "Principal" | "NotPrincipal": "*" | {"AWS": "*" | id | [ids...]}
//                                 | {"CanonicalUser": id | [ids...]},
//       where an id is a user id, "arn:aws:iam::<account>:user/<user id>",
//       "arn:aws:iam::<user id>:root" or an access key id;
//   "Action" | "NotAction": "s3:<Name>" or a list; '*' and '?' wildcards;
//       every pattern must name at least one known S3 action;
//   "Resource" | "NotResource": "arn:aws:s3:::<bucket>[/<key pattern>]" or a
//       list; the bucket part must match the policy's bucket;
//   "Condition": {"<Operator>[IfExists]": {"<key>": value | [values]}},
//       operators String(Not)Equals(IgnoreCase), String(Not)Like,
//       Numeric{Equals,NotEquals,LessThan(Equals),GreaterThan(Equals)},
//       Date{...same...}, Bool, IpAddress, NotIpAddress, Null,
//       Arn(Not)Equals, Arn(Not)Like; with an optional "ForAnyValue:" or
//       "ForAllValues:" prefix. Keys: see kConditionKeys in bucket_policy.cc
//       (aws:SourceIp, aws:SecureTransport, s3:prefix, s3:x-amz-*, ...),
//       plus s3:ExistingObjectTag/<tag key> and s3:RequestObjectTag/<tag
//       key> (tag keys compared without case, like every key name).
// Anything else fails parse() with kInvalidArgument and a message saying
// what (the S3 layer answers MalformedPolicy).
//
// Pure value code (no I/O): thread-safe once built; fuzzed by
// fuzz/policy_fuzz.cc.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace skyarray::services {

inline constexpr size_t kMaxPolicyBytes = 20 * 1024;  // S3's bucket policy limit

struct PolicyCondition {
  enum class Kind : uint8_t { kString, kStringLike, kNumeric, kDate, kBool, kIp, kNull };
  enum class Compare : uint8_t { kEq, kLt, kLe, kGt, kGe };
  Kind kind = Kind::kString;
  Compare compare = Compare::kEq;
  bool negated = false;      // StringNotEquals, NotIpAddress, ...
  bool ignore_case = false;  // StringEqualsIgnoreCase
  bool if_exists = false;    // "...IfExists": an absent key satisfies it
  bool for_all_values = false;
  bool for_any_value = false;
  std::string op;   // as written, for messages
  std::string key;  // lower case ("aws:sourceip")
  std::vector<std::string> values;
};

struct PolicyStatement {
  std::string sid;
  bool allow = true;
  // Principals: "*" or a user id / user ARN / access key id.
  std::vector<std::string> principals;
  bool not_principal = false;
  std::vector<std::string> actions;  // lower case ("s3:getobject", "s3:get*")
  bool not_action = false;
  std::vector<std::string> resources;  // "arn:aws:s3:::bucket/prefix*"
  bool not_resource = false;
  std::vector<PolicyCondition> conditions;  // all must hold
};

class BucketPolicy {
 public:
  // Parses and validates `json` as the policy of `bucket`.
  static Result<BucketPolicy> parse(std::string_view json, std::string_view bucket);

  const std::vector<PolicyStatement>& statements() const { return statements_; }
  // Policy variables (${aws:username}) are substituted (2012-10-17 only).
  bool substitutes_variables() const { return variables_; }
  // S3's PolicyStatus.IsPublic (the API reference's definition, computed
  // once at parse): some Allow statement grants a "bad action" (s3:Get*,
  // s3:List*, s3:Put*, s3:Delete*, s3:AbortMultipartUpload,
  // s3:RestoreObject) to a wildcard principal ("*", or any NotPrincipal)
  // without a condition that pins it to fixed values: an IpAddress on
  // aws:SourceIp (a range other than /0) or a wildcard-free StringEquals /
  // ArnEquals on aws:userid. Used by GetBucketPolicyStatus and Block Public
  // Access (BlockPublicPolicy, RestrictPublicBuckets).
  bool is_public() const { return public_; }
  // Some condition reads s3:ExistingObjectTag/<key>: the front end then
  // loads the object's tags before deciding.
  bool reads_existing_object_tags() const { return existing_tags_; }
  // Some condition reads s3:RequestObjectTag/<key> or
  // s3:RequestObjectTagKeys: a PutObjectTagging body is then read before
  // deciding.
  bool reads_request_object_tags() const { return request_tags_; }

 private:
  bool compute_public() const;

  std::vector<PolicyStatement> statements_;
  bool variables_ = false;
  bool public_ = false;
  bool existing_tags_ = false;
  bool request_tags_ = false;
};

// '*' matches any run of characters, '?' any one; `fold_case` compares
// ASCII letters case-insensitively.
bool glob_match(std::string_view pattern, std::string_view value, bool fold_case = false);

// The S3 actions this policy language knows ("s3:GetObject", ...), and
// whether each applies to objects (resource "bucket/key") or to the bucket.
struct S3ActionInfo {
  std::string_view name;
  bool object_level;
};
const std::vector<S3ActionInfo>& known_s3_actions();

// aws:SourceIp ranges: "a.b.c.d[/n]" or an IPv6 address with an optional
// "/n". valid_ip_range() is the parse-time check; ip_in_range() is false for
// anything that does not parse (including an "ip:port" string).
bool valid_ip_range(std::string_view range);
bool ip_in_range(std::string_view range, std::string_view ip);
// Numeric* condition values; Date* values (epoch seconds or ISO 8601 UTC,
// "2026-01-31T12:00:00Z" or "2026-01-31") as epoch seconds.
std::optional<double> parse_policy_number(std::string_view s);
std::optional<int64_t> parse_policy_date(std::string_view s);

}  // namespace skyarray::services
