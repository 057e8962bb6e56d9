// SigV4 against the examples AWS publishes in "Signature Calculations for the
// Authorization Header" and "Authenticating Requests: Using Query Parameters"
// (S3 API reference): same secret, same dates, same expected signatures.
#include "protocols/auth/sigv4.h"

#include <gtest/gtest.h>

#include "protocols/s3/s3_errors.h"

namespace skyarray::auth {
namespace {

constexpr std::string_view kAccessKey = "AKIAIOSFODNN7EXAMPLE";
constexpr std::string_view kSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

std::chrono::system_clock::time_point example_time() {
  return *parse_amz_date("20130524T000000Z");
}

std::string authz(std::string_view signed_headers, std::string_view signature) {
  return "AWS4-HMAC-SHA256 Credential=" + std::string(kAccessKey) +
         "/20130524/us-east-1/s3/aws4_request,SignedHeaders=" + std::string(signed_headers) +
         ",Signature=" + std::string(signature);
}

Result<AuthResult> check(const SignableRequest& r, std::chrono::system_clock::time_point now) {
  auto parsed = parse_auth(r);
  if (!parsed.is_ok()) return parsed.status();
  return verify(*parsed, r, kSecret, now);
}

TEST(SigV4Test, GetObjectWithRange) {
  SignableRequest r{"GET",
                    "/test.txt",
                    {},
                    {{"Host", "examplebucket.s3.amazonaws.com"},
                     {"Range", "bytes=0-9"},
                     {"x-amz-content-sha256", std::string(kEmptySha256)},
                     {"x-amz-date", "20130524T000000Z"},
                     {"Authorization",
                      authz("host;range;x-amz-content-sha256;x-amz-date",
                            "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")}}};
  auto res = check(r, example_time());
  ASSERT_TRUE(res.is_ok()) << res.status().to_string();
  EXPECT_EQ(res->access_key, kAccessKey);
  EXPECT_EQ(res->payload, PayloadMode::kSha256);
}

TEST(SigV4Test, PutObjectWithDateHeaderAndEncodedPath) {
  SignableRequest r{
      "PUT",
      "/test%24file.text",
      {},
      {{"Host", "examplebucket.s3.amazonaws.com"},
       {"Date", "Fri, 24 May 2013 00:00:00 GMT"},
       {"x-amz-date", "20130524T000000Z"},
       {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
       {"x-amz-content-sha256", "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072"},
       {"Authorization",
        authz("date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class",
              "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd")}}};
  auto res = check(r, example_time());
  ASSERT_TRUE(res.is_ok()) << res.status().to_string();
  EXPECT_EQ(res->payload_sha256,
            "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
}

TEST(SigV4Test, GetBucketLifecycleEmptyQueryValue) {
  SignableRequest r{"GET",
                    "/",
                    {{"lifecycle", ""}},
                    {{"Host", "examplebucket.s3.amazonaws.com"},
                     {"x-amz-date", "20130524T000000Z"},
                     {"x-amz-content-sha256", std::string(kEmptySha256)},
                     {"Authorization",
                      authz("host;x-amz-content-sha256;x-amz-date",
                            "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543")}}};
  auto res = check(r, example_time());
  ASSERT_TRUE(res.is_ok()) << res.status().to_string();
}

TEST(SigV4Test, ListObjectsQuerySorted) {
  auto q = parse_query("max-keys=2&prefix=J");
  ASSERT_TRUE(q.is_ok());
  SignableRequest r{"GET",
                    "/",
                    *q,
                    {{"Host", "examplebucket.s3.amazonaws.com"},
                     {"x-amz-date", "20130524T000000Z"},
                     {"x-amz-content-sha256", std::string(kEmptySha256)},
                     {"Authorization",
                      authz("host;x-amz-content-sha256;x-amz-date",
                            "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7")}}};
  auto res = check(r, example_time());
  ASSERT_TRUE(res.is_ok()) << res.status().to_string();
}

TEST(SigV4Test, WrongSecretIsSignatureDoesNotMatch) {
  SignableRequest r{"GET",
                    "/test.txt",
                    {},
                    {{"Host", "examplebucket.s3.amazonaws.com"},
                     {"Range", "bytes=0-9"},
                     {"x-amz-content-sha256", std::string(kEmptySha256)},
                     {"x-amz-date", "20130524T000000Z"},
                     {"Authorization",
                      authz("host;range;x-amz-content-sha256;x-amz-date",
                            "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")}}};
  auto parsed = parse_auth(r);
  ASSERT_TRUE(parsed.is_ok());
  auto res = verify(*parsed, r, "not-the-secret", example_time());
  ASSERT_FALSE(res.is_ok());
  EXPECT_EQ(s3::to_s3_error(res.status()).code, "SignatureDoesNotMatch");
  EXPECT_EQ(s3::to_s3_error(res.status()).http_status, 403u);
  // A changed header value breaks it too.
  r.headers[1].second = "bytes=0-10";
  res = check(r, example_time());
  EXPECT_EQ(s3::to_s3_error(res.status()).code, "SignatureDoesNotMatch");
}

TEST(SigV4Test, ClockSkewIsRefused) {
  SignableRequest r{"GET",
                    "/test.txt",
                    {},
                    {{"Host", "examplebucket.s3.amazonaws.com"},
                     {"Range", "bytes=0-9"},
                     {"x-amz-content-sha256", std::string(kEmptySha256)},
                     {"x-amz-date", "20130524T000000Z"},
                     {"Authorization",
                      authz("host;range;x-amz-content-sha256;x-amz-date",
                            "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")}}};
  EXPECT_TRUE(check(r, example_time() + std::chrono::minutes(14)).is_ok());
  auto res = check(r, example_time() + std::chrono::minutes(16));
  EXPECT_EQ(s3::to_s3_error(res.status()).code, "RequestTimeTooSkewed");
  res = check(r, example_time() - std::chrono::minutes(16));
  EXPECT_EQ(s3::to_s3_error(res.status()).code, "RequestTimeTooSkewed");
}

TEST(SigV4Test, PresignedUrl) {
  auto q = parse_query(
      "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-"
      "1%2Fs3%2Faws4_request"
      "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
      "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
  ASSERT_TRUE(q.is_ok());
  SignableRequest r{"GET", "/test.txt", *q, {{"Host", "examplebucket.s3.amazonaws.com"}}};
  auto res = check(r, example_time() + std::chrono::hours(1));
  ASSERT_TRUE(res.is_ok()) << res.status().to_string();
  EXPECT_EQ(res->payload, PayloadMode::kUnsigned);
  // Expired a second after X-Amz-Date + X-Amz-Expires.
  res = check(r, example_time() + std::chrono::seconds(86401));
  ASSERT_FALSE(res.is_ok());
  EXPECT_EQ(s3::to_s3_error(res.status()).code, "AccessDenied");
  EXPECT_NE(res.status().message().find("expired"), std::string::npos);
}

TEST(SigV4Test, PresignedExpiryAboveAWeekIsRefused) {
  auto q = parse_query(
      "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-"
      "1%2Fs3%2Faws4_request"
      "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=604801&X-Amz-SignedHeaders=host&X-Amz-Signature="
      "00");
  ASSERT_TRUE(q.is_ok());
  SignableRequest r{"GET", "/test.txt", *q, {{"Host", "examplebucket.s3.amazonaws.com"}}};
  auto res = parse_auth(r);
  ASSERT_FALSE(res.is_ok());
  EXPECT_EQ(s3::to_s3_error(res.status()).code, "AuthorizationQueryParametersError");
}

TEST(SigV4Test, SigV2IsRefusedClearly) {
  SignableRequest r{"GET",
                    "/x",
                    {},
                    {{"Authorization", "AWS AKIAIOSFODNN7EXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg="}}};
  auto res = parse_auth(r);
  ASSERT_FALSE(res.is_ok());
  auto e = s3::to_s3_error(res.status());
  EXPECT_EQ(e.code, "InvalidRequest");
  EXPECT_NE(e.message.find("AWS4-HMAC-SHA256"), std::string::npos);
  auto q = parse_query("AWSAccessKeyId=AKID&Expires=1&Signature=abc");
  SignableRequest r2{"GET", "/x", *q, {}};
  EXPECT_EQ(s3::to_s3_error(parse_auth(r2).status()).code, "InvalidRequest");
}

TEST(SigV4Test, AnonymousIsParsedButNotVerified) {
  SignableRequest r{"GET", "/x", {}, {{"Host", "h"}}};
  auto parsed = parse_auth(r);
  ASSERT_TRUE(parsed.is_ok());
  EXPECT_EQ(parsed->kind, AuthKind::kAnonymous);
  EXPECT_EQ(s3::to_s3_error(verify(*parsed, r, kSecret, example_time()).status()).code,
            "AccessDenied");
}

TEST(SigV4Test, MalformedHeaders) {
  SignableRequest r{"GET",
                    "/x",
                    {},
                    {{"Authorization",
                      "AWS4-HMAC-SHA256 Credential=AK/2013/us-east-1/s3/aws4_request,"
                      "SignedHeaders=host,Signature=00"},
                     {"x-amz-date", "20130524T000000Z"},
                     {"x-amz-content-sha256", "UNSIGNED-PAYLOAD"}}};
  EXPECT_EQ(s3::to_s3_error(parse_auth(r).status()).code, "AuthorizationHeaderMalformed");
  r.headers[0].second = "AWS4-HMAC-SHA256 Credential=AK/20130524/us-east-1/s3/aws4_request";
  EXPECT_EQ(s3::to_s3_error(parse_auth(r).status()).code, "AuthorizationHeaderMalformed");
  r.headers[0].second =
      "AWS4-HMAC-SHA256 "
      "Credential=AK/20130524/us-east-1/s3/aws4_request,SignedHeaders=host,Signature=00";
  r.headers[2].second = "garbage";
  EXPECT_EQ(s3::to_s3_error(parse_auth(r).status()).code, "InvalidArgument");
}

TEST(SigV4Test, DatesOutsideTheClockRangeAreRefused) {
  // Found by sigv4_fuzz: year 3000 overflowed system_clock's nanoseconds.
  EXPECT_FALSE(parse_amz_date("30000101T000000Z"));
  EXPECT_FALSE(parse_amz_date("19691231T235959Z"));
  EXPECT_TRUE(parse_amz_date("21991231T235959Z"));
}

TEST(SigV4Test, UriEncoding) {
  EXPECT_EQ(uri_encode("a b/c~d+e=f", false), "a%20b/c~d%2Be%3Df");
  EXPECT_EQ(uri_encode("a/b", true), "a%2Fb");
  EXPECT_EQ(*percent_decode("a%20b%2fc+"), "a b/c+");
  EXPECT_FALSE(percent_decode("a%2").is_ok());
  EXPECT_FALSE(percent_decode("a%zz").is_ok());
}

}  // namespace
}  // namespace skyarray::auth
