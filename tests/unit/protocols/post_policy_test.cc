// POST policies of browser-form uploads, checked as S3 documents: the
// condition forms, case-insensitive field names, expiry, extra fields and
// content-length-range; malformed documents are InvalidPolicyDocument.
#include "protocols/s3/post_policy.h"

#include <gtest/gtest.h>

#include "protocols/s3/s3_errors.h"
#include "services/security/bucket_policy.h"

namespace skyarray::s3 {
namespace {

using Clock = std::chrono::system_clock;

const char* kPolicy = R"({"expiration": "2026-12-31T12:00:00.000Z",
  "conditions": [{"bucket": "scans"}, ["starts-with", "$key", "uploads/"],
                 {"acl": "private"}, ["eq", "$Content-Type", "application/dicom"],
                 ["starts-with", "$x-amz-meta-site", ""],
                 ["content-length-range", 10, "2048"],
                 {"x-amz-algorithm": "AWS4-HMAC-SHA256"}]})";

Clock::time_point at(const char* iso) {
  return Clock::time_point(std::chrono::seconds(*services::parse_policy_date(iso)));
}

std::map<std::string, std::string> form() {
  return {{"bucket", "scans"},
          {"key", "uploads/a.dcm"},
          {"acl", "private"},
          {"content-type", "application/dicom"},
          {"x-amz-meta-site", "north"},
          {"x-amz-algorithm", "AWS4-HMAC-SHA256"},
          {"policy", "..."},
          {"x-amz-signature", "..."},
          {"x-ignore-submit", "Upload"}};
}

std::string failure(const Status& s) {
  if (s.is_ok()) return "ok";
  auto e = to_s3_error(s);
  return std::string(e.code) + ": " + e.message;
}

TEST(PostPolicy, ConditionsHold) {
  auto p = PostPolicy::parse(kPolicy);
  ASSERT_TRUE(p.is_ok()) << p.status().to_string();
  EXPECT_EQ(p->conditions().size(), 7u);
  EXPECT_EQ(p->content_length_range(), std::make_pair(uint64_t{10}, uint64_t{2048}));
  EXPECT_EQ(failure(p->check(form(), at("2026-12-07T12:00:00Z"))), "ok");
}

TEST(PostPolicy, FailuresAreAccessDeniedWithS3Messages) {
  auto p = PostPolicy::parse(kPolicy);
  ASSERT_TRUE(p.is_ok());
  EXPECT_EQ(failure(p->check(form(), at("2026-12-31T12:00:00Z"))),
            "AccessDenied: Invalid according to Policy: Policy expired.");
  auto f = form();
  f["key"] = "elsewhere/a.dcm";
  EXPECT_EQ(failure(p->check(f, at("2026-12-07T00:00:00Z"))),
            "AccessDenied: Invalid according to Policy: Policy Condition failed: "
            "[\"starts-with\", \"$key\", \"uploads/\"]");
  f = form();
  f.erase("acl");
  EXPECT_EQ(failure(p->check(f, at("2026-12-07T00:00:00Z"))),
            "AccessDenied: Invalid according to Policy: Policy Condition failed: "
            "[\"eq\", \"$acl\", \"private\"]")
      << "a missing field is \"\"";
  f = form();
  f["bucket"] = "other";
  EXPECT_NE(failure(p->check(f, at("2026-12-07T00:00:00Z"))), "ok");
  f = form();
  f["success_action_status"] = "201";
  EXPECT_EQ(failure(p->check(f, at("2026-12-07T00:00:00Z"))),
            "AccessDenied: Invalid according to Policy: Extra input fields: "
            "success_action_status");
}

TEST(PostPolicy, MalformedDocuments) {
  for (const char* doc :
       {"", "[]", "{\"conditions\": []}", "{\"expiration\": \"soon\", \"conditions\": []}",
        "{\"expiration\": \"2026-12-31T12:00:00Z\"}",
        "{\"expiration\": \"2026-12-31T12:00:00Z\", \"conditions\": [[\"eq\", \"key\", \"a\"]]}",
        "{\"expiration\": \"2026-12-31T12:00:00Z\", \"conditions\": [[\"like\", \"$key\", \"a\"]]}",
        "{\"expiration\": \"2026-12-31T12:00:00Z\", \"conditions\": [{\"a\": \"1\", \"b\": "
        "\"2\"}]}",
        "{\"expiration\": \"2026-12-31T12:00:00Z\", \"conditions\": "
        "[[\"content-length-range\", 5, 1]]}",
        "{\"expiration\": \"2026-12-31T12:00:00Z\", \"conditions\": [], \"extra\": 1}"}) {
    auto p = PostPolicy::parse(doc);
    ASSERT_FALSE(p.is_ok()) << doc;
    EXPECT_EQ(to_s3_error(p.status()).code, "InvalidPolicyDocument") << doc;
  }
}

}  // namespace
}  // namespace skyarray::s3
