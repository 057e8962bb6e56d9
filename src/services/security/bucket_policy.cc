#include "services/security/bucket_policy.h"

#include <arpa/inet.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <cstdlib>
#include <cstring>

#include "common/ascii.h"

namespace skyarray::services {

namespace json = boost::json;

namespace {

// clang-format off
const std::vector<S3ActionInfo> kActions = {
  // object level (resource "arn:aws:s3:::bucket/key")
  {"AbortMultipartUpload", true}, {"BypassGovernanceRetention", true},
  {"DeleteObject", true}, {"DeleteObjectTagging", true}, {"DeleteObjectVersion", true},
  {"DeleteObjectVersionTagging", true}, {"GetObject", true}, {"GetObjectAcl", true},
  {"GetObjectAttributes", true}, {"GetObjectLegalHold", true}, {"GetObjectRetention", true},
  {"GetObjectTagging", true}, {"GetObjectTorrent", true}, {"GetObjectVersion", true},
  {"GetObjectVersionAcl", true}, {"GetObjectVersionAttributes", true},
  {"GetObjectVersionForReplication", true}, {"GetObjectVersionTagging", true},
  {"GetObjectVersionTorrent", true}, {"ListMultipartUploadParts", true},
  {"ObjectOwnerOverrideToBucketOwner", true}, {"PutObject", true}, {"PutObjectAcl", true},
  {"PutObjectLegalHold", true}, {"PutObjectRetention", true}, {"PutObjectTagging", true},
  {"PutObjectVersionAcl", true}, {"PutObjectVersionTagging", true}, {"ReplicateDelete", true},
  {"ReplicateObject", true}, {"ReplicateTags", true}, {"RestoreObject", true},
  // bucket level (resource "arn:aws:s3:::bucket")
  {"CreateBucket", false}, {"DeleteBucket", false}, {"DeleteBucketOwnershipControls", false},
  {"DeleteBucketPolicy", false}, {"DeleteBucketWebsite", false},
  {"GetAccelerateConfiguration", false}, {"GetAnalyticsConfiguration", false},
  {"GetBucketAcl", false}, {"GetBucketCORS", false}, {"GetBucketLocation", false},
  {"GetBucketLogging", false}, {"GetBucketNotification", false},
  {"GetBucketObjectLockConfiguration", false}, {"GetBucketOwnershipControls", false},
  {"GetBucketPolicy", false}, {"GetBucketPolicyStatus", false},
  {"GetBucketPublicAccessBlock", false}, {"GetBucketRequestPayment", false},
  {"GetBucketTagging", false}, {"GetBucketVersioning", false}, {"GetBucketWebsite", false},
  {"GetEncryptionConfiguration", false}, {"GetIntelligentTieringConfiguration", false},
  {"GetInventoryConfiguration", false}, {"GetLifecycleConfiguration", false},
  {"GetMetricsConfiguration", false}, {"GetReplicationConfiguration", false},
  {"ListAllMyBuckets", false}, {"ListBucket", false}, {"ListBucketMultipartUploads", false},
  {"ListBucketVersions", false}, {"PutAccelerateConfiguration", false},
  {"PutAnalyticsConfiguration", false}, {"PutBucketAcl", false}, {"PutBucketCORS", false},
  {"PutBucketLogging", false}, {"PutBucketNotification", false},
  {"PutBucketObjectLockConfiguration", false}, {"PutBucketOwnershipControls", false},
  {"PutBucketPolicy", false}, {"PutBucketPublicAccessBlock", false},
  {"PutBucketRequestPayment", false}, {"PutBucketTagging", false},
  {"PutBucketVersioning", false}, {"PutBucketWebsite", false},
  {"PutEncryptionConfiguration", false}, {"PutIntelligentTieringConfiguration", false},
  {"PutInventoryConfiguration", false}, {"PutLifecycleConfiguration", false},
  {"PutMetricsConfiguration", false}, {"PutReplicationConfiguration", false},
};

// Condition keys the S3 front end fills in (lower case). A key outside this
// list is refused at parse time: silently never matching would turn a Deny
// into a no-op.
const char* const kConditionKeys[] = {
  "aws:sourceip", "aws:securetransport", "aws:currenttime", "aws:epochtime",
  "aws:useragent", "aws:referer", "aws:username", "aws:userid", "aws:principaltype",
  "s3:prefix", "s3:delimiter", "s3:max-keys", "s3:versionid", "s3:x-amz-acl",
  "s3:x-amz-grant-read", "s3:x-amz-grant-write", "s3:x-amz-grant-read-acp",
  "s3:x-amz-grant-write-acp", "s3:x-amz-grant-full-control", "s3:x-amz-content-sha256",
  "s3:x-amz-storage-class", "s3:x-amz-copy-source", "s3:x-amz-metadata-directive",
  "s3:signatureversion", "s3:authtype", "s3:locationconstraint",
  "s3:x-amz-server-side-encryption", "s3:x-amz-server-side-encryption-aws-kms-key-id",
  "s3:requestobjecttagkeys",
};
// Keys named after an object tag: "s3:ExistingObjectTag/<tag key>" (the tags
// of the object the request reads or changes) and "s3:RequestObjectTag/<tag
// key>" (the tags the request sets).
const char* const kTagConditionKeyPrefixes[] = {"s3:existingobjecttag/", "s3:requestobjecttag/"};
// clang-format on

constexpr std::string_view kS3Arn = "arn:aws:s3:::";

Status malformed(std::string message) {
  return Status::invalid_argument(std::move(message));
}

bool starts_with(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.compare(0, p.size(), p) == 0;
}

// A string or a non-empty list of strings.
Result<std::vector<std::string>> string_list(const json::value& v, std::string_view field) {
  std::vector<std::string> out;
  if (v.is_string()) {
    out.emplace_back(v.get_string());
    return out;
  }
  if (v.is_array() && !v.get_array().empty()) {
    for (const auto& e : v.get_array()) {
      if (!e.is_string()) return malformed(std::string(field) + " must hold strings");
      out.emplace_back(e.get_string());
    }
    return out;
  }
  return malformed(std::string(field) + " must be a string or a non-empty list of strings");
}

bool valid_principal_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || std::strchr("_.@+=,-", c) != nullptr;
  });
}

// "*", a user id or access key, "arn:aws:iam::<account>:user/[path/]<id>" or
// "arn:aws:iam::<id>:root" → the id (or "*").
Result<std::string> normalize_principal(std::string_view p) {
  if (p == "*") return std::string("*");
  if (starts_with(p, "arn:aws:iam::")) {
    std::string_view rest = p.substr(13);
    size_t colon = rest.find(':');
    if (colon != std::string_view::npos) {
      std::string_view account = rest.substr(0, colon), what = rest.substr(colon + 1);
      if (what == "root" && valid_principal_id(account)) return std::string(account);
      if (starts_with(what, "user/")) {
        std::string_view id = what.substr(what.rfind('/') + 1);
        if (valid_principal_id(id)) return std::string(id);
      }
    }
  } else if (valid_principal_id(p)) {
    return std::string(p);
  }
  return malformed("Invalid principal in policy: '" + std::string(p) + "'");
}

Result<std::vector<std::string>> parse_principal(const json::value& v) {
  if (v.is_string()) {
    if (v.get_string() != "*") return malformed("Invalid principal in policy");
    return std::vector<std::string>{"*"};
  }
  if (!v.is_object() || v.get_object().empty()) return malformed("Invalid principal in policy");
  std::vector<std::string> out;
  for (const auto& [k, val] : v.get_object()) {
    if (k != "AWS" && k != "CanonicalUser") {
      return malformed("Invalid principal in policy: unsupported principal type '" +
                       std::string(k) + "'");
    }
    SKY_ASSIGN_OR_RETURN(auto ids, string_list(val, "Principal"));
    for (const auto& id : ids) {
      SKY_ASSIGN_OR_RETURN(auto n, normalize_principal(id));
      out.push_back(std::move(n));
    }
  }
  return out;
}

Result<std::vector<std::string>> parse_actions(const json::value& v) {
  SKY_ASSIGN_OR_RETURN(auto list, string_list(v, "Action"));
  std::vector<std::string> out;
  for (const auto& a : list) {
    std::string pattern = ascii_lower(a);
    if (pattern != "*" && !starts_with(pattern, "s3:")) {
      return malformed("Policy has invalid action: '" + a + "' (only s3: actions apply)");
    }
    bool known = std::any_of(kActions.begin(), kActions.end(), [&](const S3ActionInfo& k) {
      return glob_match(pattern, "s3:" + ascii_lower(k.name));
    });
    if (!known) return malformed("Policy has invalid action: '" + a + "'");
    out.push_back(std::move(pattern));
  }
  return out;
}

Result<std::vector<std::string>> parse_resources(const json::value& v, std::string_view bucket) {
  SKY_ASSIGN_OR_RETURN(auto list, string_list(v, "Resource"));
  for (const auto& r : list) {
    if (!starts_with(r, kS3Arn) || r.size() == kS3Arn.size()) {
      return malformed("Policy has invalid resource: '" + r + "'");
    }
    std::string_view rest = std::string_view(r).substr(kS3Arn.size());
    std::string_view bucket_part = rest.substr(0, rest.find('/'));
    // "arn:aws:s3:::*" and "arn:aws:s3:::my*" name this bucket too.
    if (!glob_match(bucket_part, bucket) && !glob_match(rest, bucket)) {
      return malformed("Policy has invalid resource: '" + r + "' is not in bucket '" +
                       std::string(bucket) + "'");
    }
  }
  return list;
}

bool known_condition_key(const std::string& key) {
  return std::any_of(std::begin(kConditionKeys), std::end(kConditionKeys),
                     [&](const char* k) { return key == k; }) ||
         std::any_of(std::begin(kTagConditionKeyPrefixes), std::end(kTagConditionKeyPrefixes),
                     [&](const char* p) {
                       return starts_with(key, p) && key.size() > std::strlen(p) &&
                              key.size() <= std::strlen(p) + 128;
                     });
}

// Splits "ForAnyValue:StringLikeIfExists" into its parts.
Result<PolicyCondition> parse_operator(std::string_view op) {
  PolicyCondition c;
  c.op = std::string(op);
  if (starts_with(op, "ForAnyValue:")) {
    op.remove_prefix(12);
    c.for_any_value = true;
  } else if (starts_with(op, "ForAllValues:")) {
    op.remove_prefix(13);
    c.for_all_values = true;
  }
  constexpr std::string_view kIfExists = "IfExists";
  if (op.size() > kIfExists.size() && op.substr(op.size() - kIfExists.size()) == kIfExists) {
    op.remove_suffix(kIfExists.size());
    c.if_exists = true;
  }
  using K = PolicyCondition::Kind;
  using C = PolicyCondition::Compare;
  struct Op {
    std::string_view name;
    K kind;
    C compare;
    bool negated;
    bool ignore_case;
  };
  static constexpr Op kOps[] = {
      {"StringEquals", K::kString, C::kEq, false, false},
      {"StringNotEquals", K::kString, C::kEq, true, false},
      {"StringEqualsIgnoreCase", K::kString, C::kEq, false, true},
      {"StringNotEqualsIgnoreCase", K::kString, C::kEq, true, true},
      {"StringLike", K::kStringLike, C::kEq, false, false},
      {"StringNotLike", K::kStringLike, C::kEq, true, false},
      {"ArnEquals", K::kString, C::kEq, false, false},
      {"ArnNotEquals", K::kString, C::kEq, true, false},
      {"ArnLike", K::kStringLike, C::kEq, false, false},
      {"ArnNotLike", K::kStringLike, C::kEq, true, false},
      {"NumericEquals", K::kNumeric, C::kEq, false, false},
      {"NumericNotEquals", K::kNumeric, C::kEq, true, false},
      {"NumericLessThan", K::kNumeric, C::kLt, false, false},
      {"NumericLessThanEquals", K::kNumeric, C::kLe, false, false},
      {"NumericGreaterThan", K::kNumeric, C::kGt, false, false},
      {"NumericGreaterThanEquals", K::kNumeric, C::kGe, false, false},
      {"DateEquals", K::kDate, C::kEq, false, false},
      {"DateNotEquals", K::kDate, C::kEq, true, false},
      {"DateLessThan", K::kDate, C::kLt, false, false},
      {"DateLessThanEquals", K::kDate, C::kLe, false, false},
      {"DateGreaterThan", K::kDate, C::kGt, false, false},
      {"DateGreaterThanEquals", K::kDate, C::kGe, false, false},
      {"Bool", K::kBool, C::kEq, false, false},
      {"IpAddress", K::kIp, C::kEq, false, false},
      {"NotIpAddress", K::kIp, C::kEq, true, false},
      {"Null", K::kNull, C::kEq, false, false},
  };
  for (const auto& o : kOps) {
    if (o.name == op) {
      c.kind = o.kind;
      c.compare = o.compare;
      c.negated = o.negated;
      c.ignore_case = o.ignore_case;
      if (c.kind == K::kNull && c.if_exists) break;
      return c;
    }
  }
  return malformed("Invalid Condition type: '" + c.op + "'");
}

std::string scalar_string(const json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  if (v.is_bool()) return v.get_bool() ? "true" : "false";
  return json::serialize(v);  // numbers, as written
}

Status check_value(const PolicyCondition& c, const std::string& v) {
  using K = PolicyCondition::Kind;
  switch (c.kind) {
    case K::kNumeric:
      if (!parse_policy_number(v)) return malformed("Invalid numeric value '" + v + "'");
      break;
    case K::kDate:
      if (!parse_policy_date(v)) return malformed("Invalid date value '" + v + "'");
      break;
    case K::kBool:
    case K::kNull:
      if (ascii_lower(v) != "true" && ascii_lower(v) != "false") {
        return malformed("Invalid " + c.op + " value '" + v + "' (true or false)");
      }
      break;
    case K::kIp:
      if (!valid_ip_range(v)) return malformed("Invalid IP address range '" + v + "'");
      break;
    default:
      break;
  }
  return Status::ok();
}

Result<std::vector<PolicyCondition>> parse_conditions(const json::value& v) {
  if (!v.is_object()) return malformed("Condition must be an object");
  std::vector<PolicyCondition> out;
  for (const auto& [op, block] : v.get_object()) {
    SKY_ASSIGN_OR_RETURN(auto base, parse_operator(op));
    if (!block.is_object() || block.get_object().empty()) {
      return malformed("Condition " + base.op + " must map keys to values");
    }
    for (const auto& [key, values] : block.get_object()) {
      PolicyCondition c = base;
      c.key = ascii_lower(key);
      if (!known_condition_key(c.key)) {
        return malformed("Policy has an invalid condition key: '" + std::string(key) + "'");
      }
      if (values.is_array()) {
        if (values.get_array().empty()) return malformed("Condition values must not be empty");
        for (const auto& e : values.get_array()) {
          if (e.is_object() || e.is_array() || e.is_null()) {
            return malformed("Condition values must be strings, numbers or booleans");
          }
          c.values.push_back(scalar_string(e));
        }
      } else if (values.is_object() || values.is_null()) {
        return malformed("Condition values must be strings, numbers or booleans");
      } else {
        c.values.push_back(scalar_string(values));
      }
      for (const auto& val : c.values) SKY_RETURN_IF_ERROR(check_value(c, val));
      out.push_back(std::move(c));
    }
  }
  return out;
}

// A statement names at least one action that applies to one of its
// resources (S3: "Action does not apply to any resource(s) in statement").
bool actions_apply(const PolicyStatement& s, std::string_view bucket) {
  if (s.not_action || s.not_resource) return true;
  const std::string bucket_arn = std::string(kS3Arn) + std::string(bucket);
  bool bucket_res = false, object_res = false;
  for (const auto& r : s.resources) {
    if (glob_match(r, bucket_arn)) bucket_res = true;
    if (r.find('/') != std::string::npos || r.back() == '*') object_res = true;
  }
  for (const auto& a : s.actions) {
    for (const auto& k : kActions) {
      if (!glob_match(a, "s3:" + ascii_lower(k.name))) continue;
      if (k.object_level ? object_res : bucket_res) return true;
    }
  }
  return false;
}

Result<PolicyStatement> parse_statement(const json::value& v, std::string_view bucket) {
  if (!v.is_object()) return malformed("each Statement must be an object");
  PolicyStatement s;
  bool effect = false, principal = false, action = false, resource = false;
  for (const auto& [k, val] : v.get_object()) {
    if (k == "Sid") {
      if (!val.is_string()) return malformed("Sid must be a string");
      s.sid = std::string(val.get_string());
    } else if (k == "Effect") {
      if (!val.is_string() || (val.get_string() != "Allow" && val.get_string() != "Deny")) {
        return malformed("Invalid effect: Effect must be Allow or Deny");
      }
      s.allow = val.get_string() == "Allow";
      effect = true;
    } else if (k == "Principal" || k == "NotPrincipal") {
      if (principal) return malformed("Statement has both Principal and NotPrincipal");
      SKY_ASSIGN_OR_RETURN(s.principals, parse_principal(val));
      s.not_principal = k == "NotPrincipal";
      principal = true;
    } else if (k == "Action" || k == "NotAction") {
      if (action) return malformed("Statement has both Action and NotAction");
      SKY_ASSIGN_OR_RETURN(s.actions, parse_actions(val));
      s.not_action = k == "NotAction";
      action = true;
    } else if (k == "Resource" || k == "NotResource") {
      if (resource) return malformed("Statement has both Resource and NotResource");
      SKY_ASSIGN_OR_RETURN(s.resources, parse_resources(val, bucket));
      s.not_resource = k == "NotResource";
      resource = true;
    } else if (k == "Condition") {
      SKY_ASSIGN_OR_RETURN(s.conditions, parse_conditions(val));
    } else {
      return malformed("Unknown field " + std::string(k) + " in Statement");
    }
  }
  if (!effect) return malformed("Missing required field Effect");
  if (!principal) return malformed("Missing required field Principal");
  if (!action) return malformed("Missing required field Action");
  if (!resource) return malformed("Missing required field Resource");
  if (!actions_apply(s, bucket)) {
    return malformed("Action does not apply to any resource(s) in statement");
  }
  return s;
}

// Parses an IPv4/IPv6 address into 16 bytes (IPv4 mapped as ::ffff:a.b.c.d
// so that both families compare in one space) and its family's bit count.
bool parse_address(std::string_view text, unsigned char out[16], int* bits) {
  std::string s(text);
  unsigned char v4[4];
  if (inet_pton(AF_INET, s.c_str(), v4) == 1) {
    std::memset(out, 0, 10);
    out[10] = out[11] = 0xff;
    std::memcpy(out + 12, v4, 4);
    *bits = 32;
    return true;
  }
  if (inet_pton(AF_INET6, s.c_str(), out) == 1) {
    *bits = 128;
    return true;
  }
  return false;
}

bool parse_range(std::string_view range, unsigned char addr[16], int* prefix) {
  size_t slash = range.find('/');
  int bits = 0;
  if (!parse_address(range.substr(0, slash), addr, &bits)) return false;
  *prefix = bits;
  if (slash != std::string_view::npos) {
    std::string_view n = range.substr(slash + 1);
    if (n.empty() || n.size() > 3 ||
        !std::all_of(n.begin(), n.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return false;
    }
    int p = std::stoi(std::string(n));
    if (p > bits) return false;
    *prefix = p;
  }
  if (bits == 32) *prefix += 96;
  return true;
}

}  // namespace

bool glob_match(std::string_view pattern, std::string_view value, bool fold_case) {
  auto eq = [fold_case](char a, char b) {
    if (!fold_case) return a == b;
    return ascii_lower(a) == ascii_lower(b);
  };
  // Iterative matcher with one backtrack point: linear in practice, no
  // recursion depth for hostile patterns.
  size_t p = 0, v = 0, star = std::string_view::npos, mark = 0;
  while (v < value.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || eq(pattern[p], value[v]))) {
      ++p;
      ++v;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = v;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      v = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

const std::vector<S3ActionInfo>& known_s3_actions() {
  return kActions;
}

bool valid_ip_range(std::string_view range) {
  unsigned char addr[16];
  int prefix;
  return parse_range(range, addr, &prefix);
}

bool ip_in_range(std::string_view range, std::string_view ip) {
  unsigned char net[16], addr[16];
  int prefix, bits;
  if (!parse_range(range, net, &prefix) || !parse_address(ip, addr, &bits)) return false;
  for (int i = 0; i < prefix; ++i) {
    int byte = i / 8, mask = 0x80 >> (i % 8);
    if ((net[byte] & mask) != (addr[byte] & mask)) return false;
  }
  return true;
}

std::optional<double> parse_policy_number(std::string_view s) {
  if (s.empty() || s.size() > 40) return std::nullopt;
  std::string t(s);
  char* end = nullptr;
  double d = std::strtod(t.c_str(), &end);
  if (end != t.c_str() + t.size() || t.find_first_of("xXnNiI") != std::string::npos) {
    return std::nullopt;
  }
  return d;
}

std::optional<int64_t> parse_policy_date(std::string_view s) {
  // Epoch seconds, or ISO 8601 "YYYY-MM-DDTHH:MM:SS[.fff]Z" / "YYYY-MM-DD".
  if (!s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    if (s.size() > 12) return std::nullopt;
    return std::stoll(std::string(s));
  }
  auto num = [&](size_t at, size_t n) -> int {
    int v = 0;
    for (size_t i = at; i < at + n; ++i) {
      if (i >= s.size() || s[i] < '0' || s[i] > '9') return -1;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  if (s.size() < 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  int y = num(0, 4), mo = num(5, 2), d = num(8, 2), h = 0, mi = 0, sec = 0;
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31) return std::nullopt;
  if (s.size() > 10) {
    if (s.size() < 20 || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s.back() != 'Z') {
      return std::nullopt;
    }
    h = num(11, 2), mi = num(14, 2), sec = num(17, 2);
    if (h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 60) return std::nullopt;
    std::string_view frac = s.substr(19, s.size() - 20);
    if (!frac.empty() &&
        (frac[0] != '.' || frac.size() < 2 ||
         !std::all_of(frac.begin() + 1, frac.end(), [](char c) { return c >= '0' && c <= '9'; }))) {
      return std::nullopt;
    }
  }
  // Days from civil (Howard Hinnant's algorithm): no timegm, no locale.
  int yy = y - (mo <= 2);
  int era = (yy >= 0 ? yy : yy - 399) / 400;
  int yoe = yy - era * 400;
  int doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  int64_t days = static_cast<int64_t>(era) * 146097 + doe - 719468;
  return days * 86400 + h * 3600 + mi * 60 + sec;
}

Result<BucketPolicy> BucketPolicy::parse(std::string_view text, std::string_view bucket) {
  if (text.size() > kMaxPolicyBytes) {
    return malformed("Policies must be at most 20 KB (" + std::to_string(text.size()) +
                     " bytes given)");
  }
  boost::system::error_code ec;
  json::value doc = json::parse(text, ec);
  if (ec) return malformed("Policies must be valid JSON: " + ec.message());
  if (!doc.is_object()) return malformed("Policies must be a JSON object");
  BucketPolicy policy;
  bool statements = false;
  for (const auto& [k, v] : doc.get_object()) {
    if (k == "Version") {
      if (!v.is_string() || (v.get_string() != "2012-10-17" && v.get_string() != "2008-10-17")) {
        return malformed("Version must be 2012-10-17 or 2008-10-17");
      }
      policy.variables_ = v.get_string() == "2012-10-17";
    } else if (k == "Id") {
      if (!v.is_string()) return malformed("Id must be a string");
    } else if (k == "Statement") {
      statements = true;
      if (v.is_array()) {
        if (v.get_array().empty()) return malformed("Statement must not be empty");
        for (const auto& s : v.get_array()) {
          SKY_ASSIGN_OR_RETURN(auto st, parse_statement(s, bucket));
          policy.statements_.push_back(std::move(st));
        }
      } else {
        SKY_ASSIGN_OR_RETURN(auto st, parse_statement(v, bucket));
        policy.statements_.push_back(std::move(st));
      }
    } else {
      return malformed("Unknown field " + std::string(k));
    }
  }
  if (!statements) return malformed("Missing required field Statement");
  policy.public_ = policy.compute_public();
  for (const auto& st : policy.statements_) {
    for (const auto& c : st.conditions) {
      if (starts_with(c.key, "s3:existingobjecttag/")) policy.existing_tags_ = true;
      if (starts_with(c.key, "s3:requestobjecttag")) policy.request_tags_ = true;
    }
  }
  return policy;
}

namespace {

// "Bad actions" of the API reference's definition of a public policy.
bool bad_action(std::string_view name) {
  const std::string n = ascii_lower(name);
  return starts_with(n, "get") || starts_with(n, "list") || starts_with(n, "put") ||
         starts_with(n, "delete") || n == "abortmultipartupload" || n == "restoreobject";
}

bool grants_bad_action(const PolicyStatement& s) {
  if (s.not_action) return true;
  return std::any_of(s.actions.begin(), s.actions.end(), [](const std::string& a) {
    return std::any_of(kActions.begin(), kActions.end(), [&](const S3ActionInfo& k) {
      return bad_action(k.name) && glob_match(a, "s3:" + ascii_lower(k.name));
    });
  });
}

// A condition that limits the statement to fixed values of a key the
// definition accepts.
bool pins_to_fixed_values(const PolicyCondition& c) {
  if (c.negated || c.if_exists) return false;
  if (c.key == "aws:sourceip") {
    return c.kind == PolicyCondition::Kind::kIp &&
           std::none_of(c.values.begin(), c.values.end(), [](const std::string& v) {
             size_t slash = v.find('/');
             return slash != std::string::npos && v.substr(slash + 1) == "0";
           });
  }
  if (c.key == "aws:userid") {
    return c.kind == PolicyCondition::Kind::kString && !c.ignore_case &&
           std::none_of(c.values.begin(), c.values.end(), [](const std::string& v) {
             return v.find_first_of("*?$") != std::string::npos;
           });
  }
  return false;
}

}  // namespace

bool BucketPolicy::compute_public() const {
  for (const auto& s : statements_) {
    if (!s.allow) continue;
    bool anyone = s.not_principal ||
                  std::find(s.principals.begin(), s.principals.end(), "*") != s.principals.end();
    if (!anyone || !grants_bad_action(s)) continue;
    if (std::none_of(s.conditions.begin(), s.conditions.end(), pins_to_fixed_values)) return true;
  }
  return false;
}

}  // namespace skyarray::services
