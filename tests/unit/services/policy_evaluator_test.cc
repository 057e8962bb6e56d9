// Bucket policies: parsing/validation (MalformedPolicy cases), evaluation
// (principals, actions, resources, conditions, Deny precedence) and the
// combined decision with ownership and ACLs (Authorizer).
#include <gtest/gtest.h>

#include "services/security/authorizer.h"
#include "services/security/bucket_policy.h"
#include "services/security/policy_evaluator.h"

namespace skyarray::services {
namespace {

BucketPolicy parse_ok(const std::string& json, const std::string& bucket = "scans") {
  auto p = BucketPolicy::parse(json, bucket);
  EXPECT_TRUE(p.is_ok()) << p.status().to_string() << "\n" << json;
  return p.is_ok() ? std::move(p).value() : BucketPolicy();
}

std::string parse_error(const std::string& json, const std::string& bucket = "scans") {
  auto p = BucketPolicy::parse(json, bucket);
  EXPECT_FALSE(p.is_ok()) << json;
  if (p.is_ok()) return "";
  EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
  return p.status().message();
}

// A one-statement policy.
std::string statement(const std::string& body) {
  return R"({"Version":"2012-10-17","Statement":[)" + body + "]}";
}

AccessRequest req(const std::string& user, const std::string& action, const std::string& key = "",
                  const std::string& bucket = "scans") {
  AccessRequest r;
  r.user_id = user;
  r.access_key = user.empty() ? "" : "AKIA" + user;
  r.action = action;
  r.bucket = bucket;
  r.key = key;
  r.context["aws:sourceip"] = "127.0.0.1";
  r.context["aws:securetransport"] = "false";
  return r;
}

PolicyDecision eval(const BucketPolicy& p, const AccessRequest& r) {
  return PolicyEvaluator::evaluate(p, r);
}

const std::string kPublicRead = statement(
    R"({"Sid":"PublicRead","Effect":"Allow","Principal":"*","Action":"s3:GetObject",
        "Resource":"arn:aws:s3:::scans/*"})");

// ---------------------------------------------------------------- parsing

TEST(BucketPolicyParse, AcceptsTheUsualForms) {
  auto p = parse_ok(kPublicRead);
  ASSERT_EQ(p.statements().size(), 1u);
  EXPECT_EQ(p.statements()[0].sid, "PublicRead");
  EXPECT_TRUE(p.statements()[0].allow);
  EXPECT_EQ(p.statements()[0].principals, std::vector<std::string>{"*"});
  EXPECT_EQ(p.statements()[0].actions, std::vector<std::string>{"s3:getobject"});

  // A single statement object, principal forms, action lists, two resources.
  auto q = parse_ok(R"({"Statement":{"Effect":"Deny",
      "Principal":{"AWS":["arn:aws:iam::123456789012:user/pacs","radiology","AKIAEXAMPLE"],
                   "CanonicalUser":"ct"},
      "Action":["s3:Get*","s3:ListBucket"],
      "Resource":["arn:aws:s3:::scans","arn:aws:s3:::scans/ct/*"]}})");
  ASSERT_EQ(q.statements().size(), 1u);
  EXPECT_FALSE(q.statements()[0].allow);
  EXPECT_EQ(q.statements()[0].principals,
            (std::vector<std::string>{"pacs", "radiology", "AKIAEXAMPLE", "ct"}));
  EXPECT_FALSE(q.substitutes_variables());  // no Version: 2008 rules
  parse_ok(statement(R"({"Effect":"Allow","Principal":{"AWS":"*"},"Action":"*",
                         "Resource":"arn:aws:s3:::*"})"));
  parse_ok(statement(R"({"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::pacs:root"},
                         "Action":"s3:*","Resource":"arn:aws:s3:::scans/*"})"));
}

TEST(BucketPolicyParse, RefusesMalformedDocuments) {
  EXPECT_NE(parse_error("not json").find("valid JSON"), std::string::npos);
  EXPECT_NE(parse_error("[]").find("object"), std::string::npos);
  EXPECT_NE(parse_error(R"({"Version":"2012-10-17"})").find("Statement"), std::string::npos);
  EXPECT_NE(parse_error(R"({"Version":"2020-01-01","Statement":[]})").find("Version"),
            std::string::npos);
  EXPECT_NE(parse_error(R"({"Extra":1,"Statement":[]})").find("Unknown field"), std::string::npos);
  parse_error(R"({"Version":"2012-10-17","Statement":[]})");
  std::string big = statement(R"({"Effect":"Allow","Principal":"*","Action":"s3:GetObject",
      "Resource":"arn:aws:s3:::scans/*","Sid":")" +
                              std::string(21000, 'x') + "\"}");
  EXPECT_NE(parse_error(big).find("20 KB"), std::string::npos);
}

TEST(BucketPolicyParse, RefusesBadStatements) {
  const std::string res = R"("Resource":"arn:aws:s3:::scans/*")";
  EXPECT_NE(parse_error(statement(R"({"Effect":"Permit","Principal":"*","Action":"s3:GetObject",)" +
                                  res + "}"))
                .find("Effect"),
            std::string::npos);
  EXPECT_NE(parse_error(statement(R"({"Effect":"Allow","Action":"s3:GetObject",)" + res + "}"))
                .find("Principal"),
            std::string::npos);
  EXPECT_NE(
      parse_error(statement(R"({"Effect":"Allow","Principal":"*",)" + res + "}")).find("Action"),
      std::string::npos);
  EXPECT_NE(parse_error(statement(R"({"Effect":"Allow","Principal":"*","Action":"s3:GetObject"})"))
                .find("Resource"),
            std::string::npos);
  // Unknown or foreign actions.
  EXPECT_NE(parse_error(statement(R"({"Effect":"Allow","Principal":"*","Action":"s3:GetObjects",)" +
                                  res + "}"))
                .find("invalid action"),
            std::string::npos);
  parse_error(
      statement(R"({"Effect":"Allow","Principal":"*","Action":"ec2:RunInstances",)" + res + "}"));
  // Resources outside the bucket, or not S3 ARNs.
  EXPECT_NE(parse_error(statement(R"({"Effect":"Allow","Principal":"*","Action":"s3:GetObject",
                                      "Resource":"arn:aws:s3:::other/*"})"))
                .find("invalid resource"),
            std::string::npos);
  parse_error(statement(R"({"Effect":"Allow","Principal":"*","Action":"s3:GetObject",
                            "Resource":"scans/*"})"));
  // An object action with only the bucket as resource applies to nothing.
  EXPECT_NE(parse_error(statement(R"({"Effect":"Allow","Principal":"*","Action":"s3:GetObject",
                                      "Resource":"arn:aws:s3:::scans"})"))
                .find("does not apply"),
            std::string::npos);
  // Principals.
  parse_error(
      statement(R"({"Effect":"Allow","Principal":"pacs","Action":"s3:GetObject",)" + res + "}"));
  parse_error(statement(R"({"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},
                            "Action":"s3:GetObject",)" +
                        res + "}"));
  parse_error(statement(R"({"Effect":"Allow","Principal":{"AWS":"bad user!"},
                            "Action":"s3:GetObject",)" +
                        res + "}"));
  parse_error(statement(R"({"Effect":"Allow","Principal":"*","NotPrincipal":"*",
                            "Action":"s3:GetObject",)" +
                        res + "}"));
  parse_error(statement(R"({"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Bogus":1,)" +
                        res + "}"));
}

TEST(BucketPolicyParse, RefusesBadConditions) {
  auto with = [](const std::string& cond) {
    return statement(R"({"Effect":"Allow","Principal":"*","Action":"s3:GetObject",
                         "Resource":"arn:aws:s3:::scans/*","Condition":)" +
                     cond + "}");
  };
  parse_ok(with(R"({"IpAddress":{"aws:SourceIp":["10.0.0.0/8","127.0.0.1","::1/128"]}})"));
  parse_ok(with(R"({"Bool":{"aws:SecureTransport":false}})"));
  parse_ok(with(R"({"NumericLessThanEquals":{"s3:max-keys":100}})"));
  parse_ok(with(R"({"DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}})"));
  parse_ok(with(R"({"StringLikeIfExists":{"s3:prefix":"ct/*"},"Null":{"s3:x-amz-acl":"true"}})"));
  parse_ok(with(R"({"ForAnyValue:StringEquals":{"aws:username":["a","b"]}})"));
  EXPECT_NE(parse_error(with(R"({"StringSounds":{"s3:prefix":"x"}})")).find("Condition type"),
            std::string::npos);
  EXPECT_NE(parse_error(with(R"({"StringEquals":{"s3:nosuchkey":"x"}})")).find("condition key"),
            std::string::npos);
  EXPECT_NE(parse_error(with(R"({"IpAddress":{"aws:SourceIp":"10.0.0.0/33"}})")).find("IP"),
            std::string::npos);
  parse_error(with(R"({"IpAddress":{"aws:SourceIp":"localhost"}})"));
  parse_error(with(R"({"Bool":{"aws:SecureTransport":"maybe"}})"));
  parse_error(with(R"({"NumericEquals":{"s3:max-keys":"ten"}})"));
  parse_error(with(R"({"DateEquals":{"aws:CurrentTime":"yesterday"}})"));
  parse_error(with(R"({"StringEquals":{"s3:prefix":[]}})"));
  parse_error(with(R"({"StringEquals":{"s3:prefix":{"a":1}}})"));
  parse_error(with(R"({"StringEquals":"s3:prefix"})"));
  parse_error(with(R"([])"));
}

TEST(BucketPolicyParse, PublicStatusAsTheApiReferenceDefinesIt) {
  auto is_public = [](const std::string& principal, const std::string& action,
                      const std::string& condition) {
    std::string body = R"({"Effect":"Allow",)" + principal + R"(,"Action":")" + action +
                       R"(","Resource":["arn:aws:s3:::scans","arn:aws:s3:::scans/*"])";
    if (!condition.empty()) body += R"(,"Condition":)" + condition;
    return parse_ok(statement(body + "}")).is_public();
  };
  const std::string anyone = R"("Principal":"*")", aws_anyone = R"("Principal":{"AWS":"*"})";
  EXPECT_TRUE(is_public(anyone, "s3:GetObject", ""));
  EXPECT_TRUE(is_public(aws_anyone, "s3:ListBucket", ""));
  EXPECT_TRUE(is_public(R"("NotPrincipal":{"AWS":"pacs"})", "s3:PutObject", ""))
      << "NotPrincipal reaches everyone else";
  EXPECT_FALSE(is_public(R"("Principal":{"AWS":"pacs"})", "s3:*", "")) << "a fixed principal";
  EXPECT_FALSE(is_public(anyone, "s3:GetObject", R"({"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}})"));
  EXPECT_TRUE(is_public(anyone, "s3:GetObject", R"({"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}})"))
      << "a range of every address pins nothing";
  EXPECT_TRUE(
      is_public(anyone, "s3:GetObject", R"({"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}})"));
  EXPECT_FALSE(is_public(anyone, "s3:GetObject", R"({"StringEquals":{"aws:userid":"pacs"}})"));
  EXPECT_TRUE(is_public(anyone, "s3:GetObject", R"({"StringLike":{"aws:userid":"pa*"}})"))
      << "not a fixed value";
  EXPECT_TRUE(is_public(anyone, "s3:GetObject", R"({"StringEquals":{"aws:PrincipalType":"User"}})"))
      << "not a key the definition accepts";
  EXPECT_TRUE(is_public(anyone, "s3:GetObject", R"({"Bool":{"aws:SecureTransport":"true"}})"));
}

TEST(BucketPolicyParse, PublicStatus) {
  EXPECT_TRUE(parse_ok(kPublicRead).is_public());
  EXPECT_FALSE(parse_ok(statement(R"({"Effect":"Allow","Principal":{"AWS":"pacs"},
      "Action":"s3:GetObject","Resource":"arn:aws:s3:::scans/*"})"))
                   .is_public());
  EXPECT_FALSE(parse_ok(statement(R"({"Effect":"Allow","Principal":"*","Action":"s3:GetObject",
      "Resource":"arn:aws:s3:::scans/*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}})"))
                   .is_public());
  EXPECT_FALSE(parse_ok(statement(R"({"Effect":"Deny","Principal":"*","Action":"s3:GetObject",
      "Resource":"arn:aws:s3:::scans/*"})"))
                   .is_public());
}

// ---------------------------------------------------------------- matching

TEST(GlobMatch, WildcardsAndCase) {
  EXPECT_TRUE(glob_match("*", ""));
  EXPECT_TRUE(glob_match("s3:get*", "s3:getobject"));
  EXPECT_TRUE(glob_match("a?c", "abc"));
  EXPECT_FALSE(glob_match("a?c", "ac"));
  EXPECT_TRUE(glob_match("arn:aws:s3:::b/*/x*", "arn:aws:s3:::b/p/q/xy"));
  EXPECT_FALSE(glob_match("arn:aws:s3:::b/ct/*", "arn:aws:s3:::b/mr/1"));
  EXPECT_FALSE(glob_match("abc", "ABC"));
  EXPECT_TRUE(glob_match("abc", "ABC", true));
  EXPECT_TRUE(glob_match("**a**b**", "xxaxxbxx"));
  // Pathological pattern stays fast (no exponential backtracking).
  EXPECT_FALSE(glob_match(std::string(50, '*') + "b", std::string(10000, 'a')));
}

TEST(IpRange, V4V6AndPrefixes) {
  EXPECT_TRUE(ip_in_range("127.0.0.1", "127.0.0.1"));
  EXPECT_TRUE(ip_in_range("127.0.0.1/32", "127.0.0.1"));
  EXPECT_FALSE(ip_in_range("127.0.0.1/32", "127.0.0.2"));
  EXPECT_TRUE(ip_in_range("10.0.0.0/8", "10.200.3.4"));
  EXPECT_FALSE(ip_in_range("10.0.0.0/8", "11.0.0.1"));
  EXPECT_TRUE(ip_in_range("0.0.0.0/0", "192.168.1.1"));
  EXPECT_TRUE(ip_in_range("2001:db8::/32", "2001:db8::1"));
  EXPECT_FALSE(ip_in_range("2001:db8::/32", "2001:db9::1"));
  EXPECT_FALSE(ip_in_range("10.0.0.0/8", "::1"));
  EXPECT_FALSE(ip_in_range("10.0.0.0/8", "127.0.0.1:5000"));
  EXPECT_FALSE(valid_ip_range("1.2.3.4/"));
  EXPECT_FALSE(valid_ip_range("1.2.3.4/x"));
  EXPECT_FALSE(valid_ip_range("::1/129"));
}

// ---------------------------------------------------------------- evaluation

TEST(PolicyEvaluator, PublicReadAllowsAnyoneToGetButNothingElse) {
  auto p = parse_ok(kPublicRead);
  EXPECT_EQ(eval(p, req("", "s3:GetObject", "a.dcm")), PolicyDecision::kAllow);
  EXPECT_EQ(eval(p, req("pacs", "s3:GetObject", "a.dcm")), PolicyDecision::kAllow);
  EXPECT_EQ(eval(p, req("", "s3:PutObject", "a.dcm")), PolicyDecision::kNotApplicable);
  EXPECT_EQ(eval(p, req("", "s3:ListBucket")), PolicyDecision::kNotApplicable);
  EXPECT_EQ(eval(p, req("", "s3:GetObject", "a.dcm", "other")), PolicyDecision::kNotApplicable);
}

TEST(PolicyEvaluator, PrincipalForms) {
  auto p = parse_ok(statement(R"({"Effect":"Allow",
      "Principal":{"AWS":["arn:aws:iam::000000000000:user/pacs","AKIAviewer"]},
      "Action":"s3:GetObject","Resource":"arn:aws:s3:::scans/*"})"));
  EXPECT_EQ(eval(p, req("pacs", "s3:GetObject", "k")), PolicyDecision::kAllow);
  EXPECT_EQ(eval(p, req("viewer", "s3:GetObject", "k")), PolicyDecision::kAllow);  // by key id
  EXPECT_EQ(eval(p, req("other", "s3:GetObject", "k")), PolicyDecision::kNotApplicable);
  EXPECT_EQ(eval(p, req("", "s3:GetObject", "k")), PolicyDecision::kNotApplicable);
}

TEST(PolicyEvaluator, PrefixGrantForASecondUser) {
  auto p = parse_ok(statement(R"({"Effect":"Allow","Principal":{"AWS":"pacs"},
      "Action":["s3:GetObject"],"Resource":"arn:aws:s3:::scans/ct/*"},
      {"Effect":"Allow","Principal":{"AWS":"pacs"},"Action":"s3:ListBucket",
       "Resource":"arn:aws:s3:::scans","Condition":{"StringLike":{"s3:prefix":"ct/*"}}})"));
  EXPECT_EQ(eval(p, req("pacs", "s3:GetObject", "ct/1.dcm")), PolicyDecision::kAllow);
  EXPECT_EQ(eval(p, req("pacs", "s3:GetObject", "mr/1.dcm")), PolicyDecision::kNotApplicable);
  EXPECT_EQ(eval(p, req("pacs", "s3:PutObject", "ct/1.dcm")), PolicyDecision::kNotApplicable);
  auto list = req("pacs", "s3:ListBucket");
  EXPECT_EQ(eval(p, list), PolicyDecision::kNotApplicable) << "no prefix: key absent";
  list.context["s3:prefix"] = "ct/2026/";
  EXPECT_EQ(eval(p, list), PolicyDecision::kAllow);
  list.context["s3:prefix"] = "mr/";
  EXPECT_EQ(eval(p, list), PolicyDecision::kNotApplicable);
}

TEST(PolicyEvaluator, ExplicitDenyWins) {
  auto p = parse_ok(statement(R"({"Effect":"Allow","Principal":"*","Action":"s3:*",
      "Resource":["arn:aws:s3:::scans","arn:aws:s3:::scans/*"]},
      {"Effect":"Deny","Principal":"*","Action":"s3:DeleteObject",
       "Resource":"arn:aws:s3:::scans/*"})"));
  EXPECT_EQ(eval(p, req("owner", "s3:DeleteObject", "k")), PolicyDecision::kDeny);
  EXPECT_EQ(eval(p, req("owner", "s3:GetObject", "k")), PolicyDecision::kAllow);
  EXPECT_EQ(eval(p, req("owner", "s3:ListBucket")), PolicyDecision::kAllow);
}

TEST(PolicyEvaluator, NotActionNotResourceNotPrincipal) {
  auto p = parse_ok(statement(R"({"Effect":"Deny","NotPrincipal":{"AWS":"admin"},
      "NotAction":["s3:GetObject","s3:ListBucket"],"NotResource":"arn:aws:s3:::scans/public/*"})"));
  EXPECT_EQ(eval(p, req("pacs", "s3:PutObject", "ct/1")), PolicyDecision::kDeny);
  EXPECT_EQ(eval(p, req("admin", "s3:PutObject", "ct/1")), PolicyDecision::kNotApplicable);
  EXPECT_EQ(eval(p, req("pacs", "s3:GetObject", "ct/1")), PolicyDecision::kNotApplicable);
  EXPECT_EQ(eval(p, req("pacs", "s3:PutObject", "public/1")), PolicyDecision::kNotApplicable);
  EXPECT_EQ(eval(p, req("", "s3:DeleteObject", "x")), PolicyDecision::kDeny);
}

TEST(PolicyEvaluator, ActionsAreCaseInsensitiveAndWildcarded) {
  auto p = parse_ok(statement(R"({"Effect":"Allow","Principal":"*","Action":"S3:get*",
      "Resource":"arn:aws:s3:::scans/*"})"));
  EXPECT_EQ(eval(p, req("", "s3:GetObject", "k")), PolicyDecision::kAllow);
  EXPECT_EQ(eval(p, req("", "s3:GetObjectTagging", "k")), PolicyDecision::kAllow);
  EXPECT_EQ(eval(p, req("", "s3:PutObject", "k")), PolicyDecision::kNotApplicable);
}

TEST(PolicyEvaluator, SourceIpConditions) {
  auto allow = parse_ok(statement(R"({"Effect":"Allow","Principal":"*","Action":"s3:GetObject",
      "Resource":"arn:aws:s3:::scans/*","Condition":{"IpAddress":{"aws:SourceIp":"127.0.0.1/32"}}})"));
  auto r = req("", "s3:GetObject", "k");
  EXPECT_EQ(eval(allow, r), PolicyDecision::kAllow);
  r.context["aws:sourceip"] = "127.0.0.2";
  EXPECT_EQ(eval(allow, r), PolicyDecision::kNotApplicable);
  r.context.erase("aws:sourceip");
  EXPECT_EQ(eval(allow, r), PolicyDecision::kNotApplicable) << "absent key fails IpAddress";

  auto deny = parse_ok(statement(R"({"Effect":"Deny","Principal":"*","Action":"s3:*",
      "Resource":"arn:aws:s3:::scans/*",
      "Condition":{"NotIpAddress":{"aws:SourceIp":["10.0.0.0/8","127.0.0.1"]}}})"));
  auto d = req("owner", "s3:PutObject", "k");
  EXPECT_EQ(eval(deny, d), PolicyDecision::kNotApplicable);
  d.context["aws:sourceip"] = "192.168.0.9";
  EXPECT_EQ(eval(deny, d), PolicyDecision::kDeny);
  d.context["aws:sourceip"] = "10.1.2.3";
  EXPECT_EQ(eval(deny, d), PolicyDecision::kNotApplicable);
}

TEST(PolicyEvaluator, SecureTransportAndBool) {
  auto p = parse_ok(statement(R"({"Effect":"Deny","Principal":"*","Action":"s3:*",
      "Resource":"arn:aws:s3:::scans/*","Condition":{"Bool":{"aws:SecureTransport":"false"}}})"));
  auto r = req("owner", "s3:GetObject", "k");
  EXPECT_EQ(eval(p, r), PolicyDecision::kDeny);
  r.context["aws:securetransport"] = "true";
  EXPECT_EQ(eval(p, r), PolicyDecision::kNotApplicable);
}

TEST(PolicyEvaluator, StringOperatorsAndMissingKeys) {
  auto with = [](const std::string& cond) {
    return parse_ok(statement(R"({"Effect":"Allow","Principal":"*","Action":"s3:PutObject",
        "Resource":"arn:aws:s3:::scans/*","Condition":)" +
                              cond + "}"));
  };
  auto r = req("u", "s3:PutObject", "k");
  // StringEquals: absent fails, wrong fails, right holds; alternatives OR.
  auto eq = with(R"({"StringEquals":{"s3:x-amz-acl":["private","bucket-owner-full-control"]}})");
  EXPECT_EQ(eval(eq, r), PolicyDecision::kNotApplicable);
  r.context["s3:x-amz-acl"] = "public-read";
  EXPECT_EQ(eval(eq, r), PolicyDecision::kNotApplicable);
  r.context["s3:x-amz-acl"] = "private";
  EXPECT_EQ(eval(eq, r), PolicyDecision::kAllow);
  // StringNotEquals holds when the key is absent (AWS).
  auto ne = with(R"({"StringNotEquals":{"s3:x-amz-acl":"public-read"}})");
  EXPECT_EQ(eval(ne, r), PolicyDecision::kAllow);
  r.context["s3:x-amz-acl"] = "public-read";
  EXPECT_EQ(eval(ne, r), PolicyDecision::kNotApplicable);
  r.context.erase("s3:x-amz-acl");
  EXPECT_EQ(eval(ne, r), PolicyDecision::kAllow);
  // IgnoreCase.
  auto ic = with(R"({"StringEqualsIgnoreCase":{"aws:username":"U"}})");
  EXPECT_EQ(eval(ic, r), PolicyDecision::kNotApplicable);
  r.context["aws:username"] = "u";
  EXPECT_EQ(eval(ic, r), PolicyDecision::kAllow);
  // IfExists: absent holds, present must match.
  auto ie = with(R"({"StringLikeIfExists":{"s3:x-amz-storage-class":"STANDARD*"}})");
  EXPECT_EQ(eval(ie, r), PolicyDecision::kAllow);
  r.context["s3:x-amz-storage-class"] = "GLACIER";
  EXPECT_EQ(eval(ie, r), PolicyDecision::kNotApplicable);
  r.context["s3:x-amz-storage-class"] = "STANDARD_IA";
  EXPECT_EQ(eval(ie, r), PolicyDecision::kAllow);
  // Null.
  auto null_true = with(R"({"Null":{"s3:x-amz-acl":"true"}})");
  EXPECT_EQ(eval(null_true, r), PolicyDecision::kAllow);
  r.context["s3:x-amz-acl"] = "private";
  EXPECT_EQ(eval(null_true, r), PolicyDecision::kNotApplicable);
  // Several keys and operators: all must hold.
  auto both = with(R"({"StringEquals":{"s3:x-amz-acl":"private","aws:username":"u"},
                       "IpAddress":{"aws:SourceIp":"127.0.0.0/8"}})");
  EXPECT_EQ(eval(both, r), PolicyDecision::kAllow);
  r.context["aws:username"] = "v";
  EXPECT_EQ(eval(both, r), PolicyDecision::kNotApplicable);
}

TEST(PolicyEvaluator, NumericAndDateConditions) {
  auto p = parse_ok(statement(R"({"Effect":"Allow","Principal":"*","Action":"s3:ListBucket",
      "Resource":"arn:aws:s3:::scans","Condition":{"NumericLessThanEquals":{"s3:max-keys":"100"},
      "DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}}})"));
  auto r = req("", "s3:ListBucket");
  r.context["aws:currenttime"] = "2026-11-25T13:00:00.000Z";
  r.context["s3:max-keys"] = "50";
  EXPECT_EQ(eval(p, r), PolicyDecision::kAllow);
  r.context["s3:max-keys"] = "500";
  EXPECT_EQ(eval(p, r), PolicyDecision::kNotApplicable);
  r.context["s3:max-keys"] = "100";
  r.context["aws:currenttime"] = "2031-01-01T00:00:00Z";
  EXPECT_EQ(eval(p, r), PolicyDecision::kNotApplicable);
  EXPECT_EQ(parse_policy_date("1970-01-02"), 86400);
  EXPECT_EQ(parse_policy_date("2000-03-01T00:00:00Z"), 951868800);
  EXPECT_EQ(parse_policy_date("86400"), 86400);
}

TEST(PolicyEvaluator, PolicyVariables) {
  auto p = parse_ok(statement(R"({"Effect":"Allow","Principal":"*","Action":"s3:*",
      "Resource":"arn:aws:s3:::scans/home/${aws:username}/*"})"));
  EXPECT_EQ(eval(p, req("", "s3:GetObject", "home/alice/x")), PolicyDecision::kNotApplicable);
  auto alice = req("alice", "s3:GetObject", "home/alice/x");
  alice.context["aws:username"] = "alice";
  EXPECT_EQ(eval(p, alice), PolicyDecision::kAllow);
  auto bob = req("bob", "s3:GetObject", "home/alice/x");
  bob.context["aws:username"] = "bob";
  EXPECT_EQ(eval(p, bob), PolicyDecision::kNotApplicable);
  // Without Version 2012-10-17 the text is literal.
  auto old = parse_ok(R"({"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*",
      "Resource":"arn:aws:s3:::scans/home/${aws:username}/*"}]})");
  EXPECT_EQ(eval(old, alice), PolicyDecision::kNotApplicable);
}

// ---------------------------------------------------------------- Authorizer

TEST(PolicyEvaluator, ObjectTagConditionKeys) {
  auto p = parse_ok(statement(R"({"Effect":"Allow","Principal":"*","Action":"s3:GetObject",
      "Resource":"arn:aws:s3:::scans/*",
      "Condition":{"StringEquals":{"s3:ExistingObjectTag/Classification":"teaching"}}},
      {"Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::scans/*",
       "Condition":{"ForAnyValue:StringNotEquals":{"s3:RequestObjectTagKeys":["site","study"]}}},
      {"Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::scans/*",
       "Condition":{"StringEquals":{"s3:RequestObjectTag/site":"secret"}}})"));
  EXPECT_TRUE(p.reads_existing_object_tags());
  EXPECT_TRUE(p.reads_request_object_tags());
  auto get = req("", "s3:GetObject", "k");
  EXPECT_EQ(eval(p, get), PolicyDecision::kNotApplicable) << "untagged object";
  get.context["s3:existingobjecttag/classification"] = "teaching";
  EXPECT_EQ(eval(p, get), PolicyDecision::kAllow);
  get.context["s3:existingobjecttag/classification"] = "phi";
  EXPECT_EQ(eval(p, get), PolicyDecision::kNotApplicable);

  auto put = req("pacs", "s3:PutObject", "k");
  EXPECT_EQ(eval(p, put), PolicyDecision::kNotApplicable) << "no tags: ForAnyValue fails";
  put.multi_context["s3:requestobjecttagkeys"] = {"site", "study"};
  put.context["s3:requestobjecttag/site"] = "north";
  EXPECT_EQ(eval(p, put), PolicyDecision::kNotApplicable);
  put.multi_context["s3:requestobjecttagkeys"] = {"site", "patient"};
  EXPECT_EQ(eval(p, put), PolicyDecision::kDeny) << "a tag key outside the list";
  put.multi_context["s3:requestobjecttagkeys"] = {"site"};
  put.context["s3:requestobjecttag/site"] = "secret";
  EXPECT_EQ(eval(p, put), PolicyDecision::kDeny);

  auto all = parse_ok(statement(R"({"Effect":"Allow","Principal":"*","Action":"s3:PutObject",
      "Resource":"arn:aws:s3:::scans/*",
      "Condition":{"ForAllValues:StringEquals":{"s3:RequestObjectTagKeys":["site","study"]}}})"));
  auto r = req("", "s3:PutObject", "k");
  r.multi_context["s3:requestobjecttagkeys"] = {};
  EXPECT_EQ(eval(all, r), PolicyDecision::kAllow) << "ForAllValues holds for no values";
  r.multi_context["s3:requestobjecttagkeys"] = {"study", "site"};
  EXPECT_EQ(eval(all, r), PolicyDecision::kAllow);
  r.multi_context["s3:requestobjecttagkeys"] = {"study", "name"};
  EXPECT_EQ(eval(all, r), PolicyDecision::kNotApplicable);

  parse_ok(statement(R"({"Effect":"Deny","Principal":"*","Action":"s3:PutObject",
      "Resource":"arn:aws:s3:::scans/*",
      "Condition":{"StringNotEquals":{"s3:x-amz-server-side-encryption":"AES256"}}})"));
  parse_error(statement(R"({"Effect":"Deny","Principal":"*","Action":"s3:PutObject",
      "Resource":"arn:aws:s3:::scans/*",
      "Condition":{"StringEquals":{"s3:ExistingObjectTag/":"x"}}})"));
}

BucketAccess access(const std::string& owner, const std::string& policy_json = "") {
  BucketAccess a;
  a.owner = owner;
  if (!policy_json.empty()) a.policy = std::make_shared<const BucketPolicy>(parse_ok(policy_json));
  return a;
}

TEST(Authorizer, OwnerOnlyByDefault) {
  auto a = access("owner");
  EXPECT_EQ(Authorizer::decide(req("owner", "s3:PutObject", "k"), a, nullptr),
            AccessDecision::kAllow);
  EXPECT_EQ(Authorizer::decide(req("other", "s3:GetObject", "k"), a, nullptr),
            AccessDecision::kImplicitDeny);
  EXPECT_EQ(Authorizer::decide(req("", "s3:GetObject", "k"), a, nullptr),
            AccessDecision::kImplicitDeny);
  // An empty user id never counts as the owner, even of an owner-less record.
  EXPECT_EQ(Authorizer::decide(req("", "s3:GetObject", "k"), access(""), nullptr),
            AccessDecision::kImplicitDeny);
}

TEST(Authorizer, DenyBeatsOwnerButNotForPolicyManagement) {
  auto a = access("owner", statement(R"({"Effect":"Deny","Principal":"*","Action":"s3:*",
      "Resource":["arn:aws:s3:::scans","arn:aws:s3:::scans/*"]})"));
  EXPECT_EQ(Authorizer::decide(req("owner", "s3:DeleteObject", "k"), a, nullptr),
            AccessDecision::kDeny);
  EXPECT_EQ(Authorizer::decide(req("owner", "s3:ListBucket"), a, nullptr), AccessDecision::kDeny);
  EXPECT_EQ(Authorizer::decide(req("owner", "s3:DeleteBucketPolicy"), a, nullptr),
            AccessDecision::kAllow);
  EXPECT_EQ(Authorizer::decide(req("owner", "s3:PutBucketPolicy"), a, nullptr),
            AccessDecision::kAllow);
  EXPECT_EQ(Authorizer::decide(req("other", "s3:DeleteBucketPolicy"), a, nullptr),
            AccessDecision::kDeny);
}

TEST(Authorizer, AclsGrantWhatTheyName) {
  auto a = access("owner");
  a.acl = AccessControlList::canned("public-read").value();
  EXPECT_EQ(Authorizer::decide(req("", "s3:ListBucket"), a, nullptr), AccessDecision::kAllow);
  EXPECT_EQ(Authorizer::decide(req("", "s3:PutObject", "k"), a, nullptr),
            AccessDecision::kImplicitDeny);
  EXPECT_EQ(Authorizer::decide(req("", "s3:GetObject", "k"), a, nullptr),
            AccessDecision::kImplicitDeny)
      << "a bucket ACL does not open its objects";

  auto b = access("owner");
  auto object_acl = AccessControlList::canned("public-read").value();
  auto anon_get = req("", "s3:GetObject", "k");
  EXPECT_TRUE(Authorizer::object_acl_may_grant(anon_get, b));
  EXPECT_FALSE(Authorizer::object_acl_may_grant(req("", "s3:PutObject", "k"), b));
  EXPECT_EQ(Authorizer::decide(anon_get, b, &object_acl), AccessDecision::kAllow);
  EXPECT_EQ(Authorizer::decide(req("", "s3:GetObjectAcl", "k"), b, &object_acl),
            AccessDecision::kImplicitDeny);

  AccessControlList user_grant;
  user_grant.grants.push_back({AclGrantee::kUser, "pacs", AclPermission::kWrite});
  b.acl = user_grant;
  EXPECT_EQ(Authorizer::decide(req("pacs", "s3:PutObject", "k"), b, nullptr),
            AccessDecision::kAllow);
  EXPECT_EQ(Authorizer::decide(req("pacs", "s3:ListBucket"), b, nullptr),
            AccessDecision::kImplicitDeny);
  EXPECT_EQ(Authorizer::decide(req("other", "s3:PutObject", "k"), b, nullptr),
            AccessDecision::kImplicitDeny);

  auto c = access("owner");
  c.acl = AccessControlList::canned("authenticated-read").value();
  EXPECT_EQ(Authorizer::decide(req("pacs", "s3:ListBucket"), c, nullptr), AccessDecision::kAllow);
  EXPECT_EQ(Authorizer::decide(req("", "s3:ListBucket"), c, nullptr),
            AccessDecision::kImplicitDeny);
}

TEST(Authorizer, PolicyDenyOverridesAclGrant) {
  auto a = access("owner", statement(R"({"Effect":"Deny","Principal":"*","Action":"s3:GetObject",
      "Resource":"arn:aws:s3:::scans/secret/*"})"));
  auto acl = AccessControlList::canned("public-read").value();
  EXPECT_EQ(Authorizer::decide(req("", "s3:GetObject", "secret/x"), a, &acl),
            AccessDecision::kDeny);
  EXPECT_EQ(Authorizer::decide(req("", "s3:GetObject", "open/x"), a, &acl), AccessDecision::kAllow);
}

TEST(AccessControlList, CannedNames) {
  EXPECT_TRUE(AccessControlList::canned("private")->grants.empty());
  EXPECT_EQ(AccessControlList::canned("public-read-write")->grants.size(), 2u);
  EXPECT_TRUE(AccessControlList::canned("public-read")->is_public());
  EXPECT_TRUE(AccessControlList::canned("bucket-owner-full-control")->grants.empty());
  EXPECT_FALSE(AccessControlList::canned("world-writable").is_ok());
  auto fc = AccessControlList();
  fc.grants.push_back({AclGrantee::kUser, "pacs", AclPermission::kFullControl});
  EXPECT_TRUE(fc.allows("pacs", AclPermission::kReadAcp));
  EXPECT_FALSE(fc.allows("", AclPermission::kRead));
  EXPECT_FALSE(fc.is_public());
}

TEST(Authorizer, BlockPublicAccessAndOwnershipControls) {
  auto a = access("owner", statement(R"({"Effect":"Allow","Principal":"*","Action":"s3:GetObject",
      "Resource":"arn:aws:s3:::scans/*"},
      {"Effect":"Allow","Principal":{"AWS":"pacs"},"Action":"s3:PutObject",
       "Resource":"arn:aws:s3:::scans/*"})"));
  a.acl = AccessControlList::canned("public-read").value();
  a.acl.grants.push_back({AclGrantee::kUser, "viewer", AclPermission::kRead});
  auto object_acl = AccessControlList::canned("public-read").value();
  object_acl.grants.push_back({AclGrantee::kUser, "viewer", AclPermission::kRead});
  EXPECT_EQ(Authorizer::decide(req("", "s3:GetObject", "k"), a, nullptr), AccessDecision::kAllow);

  // RestrictPublicBuckets: a public policy grants nothing to anyone but the
  // owner, its non-public statements included.
  a.public_access_block.restrict_public_buckets = true;
  EXPECT_EQ(Authorizer::decide(req("", "s3:GetObject", "k"), a, nullptr),
            AccessDecision::kImplicitDeny);
  EXPECT_EQ(Authorizer::decide(req("pacs", "s3:PutObject", "k"), a, nullptr),
            AccessDecision::kImplicitDeny);
  EXPECT_EQ(Authorizer::decide(req("owner", "s3:GetObject", "k"), a, nullptr),
            AccessDecision::kAllow);
  EXPECT_EQ(Authorizer::decide(req("", "s3:ListBucket"), a, nullptr), AccessDecision::kAllow)
      << "ACLs are IgnorePublicAcls' business";

  // IgnorePublicAcls: grants to AllUsers / AuthenticatedUsers count for
  // nothing, grants to users still do.
  a.public_access_block.ignore_public_acls = true;
  EXPECT_EQ(Authorizer::decide(req("", "s3:ListBucket"), a, nullptr),
            AccessDecision::kImplicitDeny);
  EXPECT_EQ(Authorizer::decide(req("", "s3:GetObject", "k"), a, &object_acl),
            AccessDecision::kImplicitDeny);
  EXPECT_EQ(Authorizer::decide(req("viewer", "s3:ListBucket"), a, nullptr), AccessDecision::kAllow);
  EXPECT_EQ(Authorizer::decide(req("viewer", "s3:GetObject", "k"), a, &object_acl),
            AccessDecision::kAllow);

  // BucketOwnerEnforced: ACLs grant nothing at all.
  a.ownership = ObjectOwnership::kBucketOwnerEnforced;
  EXPECT_EQ(Authorizer::decide(req("viewer", "s3:ListBucket"), a, nullptr),
            AccessDecision::kImplicitDeny);
  EXPECT_FALSE(Authorizer::object_acl_may_grant(req("viewer", "s3:GetObject", "k"), a));
  EXPECT_EQ(Authorizer::decide(req("owner", "s3:ListBucket"), a, nullptr), AccessDecision::kAllow);
}

TEST(AccessControlList, OwnerGrantIsImplicitOnlyForCannedLists) {
  auto canned = AccessControlList::canned("public-read").value();
  EXPECT_TRUE(canned.owner_implicit);
  EXPECT_FALSE(canned.is_default());
  EXPECT_TRUE(AccessControlList::canned("private")->is_default());
  AccessControlList given;
  given.owner_implicit = false;
  EXPECT_FALSE(given.is_default()) << "an empty list as given is not the canned private";
}

}  // namespace
}  // namespace skyarray::services
