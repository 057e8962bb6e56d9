// SigV2 against the examples AWS publishes in "Signing and authenticating
// REST requests" (S3 API reference, Signature Version 2): same secret, same
// dates, same StringToSign, same expected signatures.
#include "protocols/s3/sigv2.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "protocols/s3/s3_errors.h"
#include "protocols/s3/s3_request.h"

namespace skyarray::s3 {
namespace {

constexpr std::string_view kAccessKey = "AKIAIOSFODNN7EXAMPLE";
constexpr std::string_view kSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

std::chrono::system_clock::time_point at(std::string_view http_date) {
  return *parse_http_date(http_date);
}

std::string authz(std::string_view signature) {
  return "AWS " + std::string(kAccessKey) + ":" + std::string(signature);
}

// A request as the S3 front end sees it: `target` is the request-target,
// `host` decides virtual-hosted vs path style (domain s3.amazonaws.com).
struct Example {
  auth::SignableRequest request;
  std::string resource;
};

Example make(std::string method, std::string_view target, std::string_view host,
             auth::HeaderPairs headers) {
  auto t = parse_target(target, host, {"s3.amazonaws.com"});
  EXPECT_TRUE(t.is_ok()) << t.status().to_string();
  headers.emplace_back("Host", std::string(host));
  size_t q = target.find('?');
  std::string_view raw_query = q == std::string_view::npos ? "" : target.substr(q + 1);
  Example e{auth::SignableRequest{std::move(method), t->raw_path, t->query, std::move(headers)},
            sigv2_canonical_resource(t->virtual_host ? t->bucket : "", t->raw_path, raw_query)};
  return e;
}

Result<auth::AuthResult> check(const Example& e, std::chrono::system_clock::time_point now,
                               std::string_view secret = kSecret) {
  EXPECT_TRUE(is_sigv2(e.request));
  auto parsed = parse_sigv2(e.request, true);
  if (!parsed.is_ok()) return parsed.status();
  return verify_sigv2(*parsed, e.request, e.resource, secret, now);
}

std::string code_of(const Status& s) {
  return std::string(to_s3_error(s).code);
}

TEST(SigV2Test, ObjectGet) {
  auto e = make("GET", "/photos/puppy.jpg", "awsexamplebucket1.s3.amazonaws.com",
                {{"Date", "Tue, 27 Mar 2007 19:36:42 +0000"},
                 {"Authorization", authz("qgk2+6Sv9/oM7G3qLEjTH1a1l1g=")}});
  EXPECT_EQ(sigv2_string_to_sign(e.request, false, e.resource),
            "GET\n\n\nTue, 27 Mar 2007 19:36:42 +0000\n/awsexamplebucket1/photos/puppy.jpg");
  auto res = check(e, at("Tue, 27 Mar 2007 19:40:00 GMT"));
  ASSERT_TRUE(res.is_ok()) << res.status().to_string();
  EXPECT_EQ(res->access_key, kAccessKey);
  EXPECT_EQ(res->version, auth::SignatureVersion::kV2);
  EXPECT_EQ(res->kind, auth::AuthKind::kHeader);
  EXPECT_EQ(res->payload, auth::PayloadMode::kUnsigned);

  // The older edition of the same page (bucket "johnsmith").
  auto old = make("GET", "/photos/puppy.jpg", "johnsmith.s3.amazonaws.com",
                  {{"Date", "Tue, 27 Mar 2007 19:36:42 +0000"},
                   {"Authorization", authz("bWq2s1WEIj+Ydj0vQ697zp+IXMU=")}});
  EXPECT_TRUE(check(old, at("Tue, 27 Mar 2007 19:36:42 GMT")).is_ok());
}

TEST(SigV2Test, ObjectPutSignsContentType) {
  auto e = make("PUT", "/photos/puppy.jpg", "johnsmith.s3.amazonaws.com",
                {{"Content-Type", "image/jpeg"},
                 {"Content-Length", "94328"},
                 {"Date", "Tue, 27 Mar 2007 21:15:45 +0000"},
                 {"Authorization", authz("MyyxeRY7whkBe+bq8fHCL/2kKUg=")}});
  EXPECT_EQ(sigv2_string_to_sign(e.request, false, e.resource),
            "PUT\n\nimage/jpeg\nTue, 27 Mar 2007 21:15:45 +0000\n/johnsmith/photos/puppy.jpg");
  EXPECT_TRUE(check(e, at("Tue, 27 Mar 2007 21:15:45 GMT")).is_ok());
}

TEST(SigV2Test, ListIgnoresUnsignedParametersAndAclIsSigned) {
  auto list = make("GET", "/?prefix=photos&max-keys=50&marker=puppy", "johnsmith.s3.amazonaws.com",
                   {{"User-Agent", "Mozilla/5.0"},
                    {"Date", "Tue, 27 Mar 2007 19:42:41 +0000"},
                    {"Authorization", authz("htDYFYduRNen8P9ZfE/s9SuKy0U=")}});
  EXPECT_EQ(list.resource, "/johnsmith/");
  EXPECT_TRUE(check(list, at("Tue, 27 Mar 2007 19:42:41 GMT")).is_ok());

  auto acl = make("GET", "/?acl", "johnsmith.s3.amazonaws.com",
                  {{"Date", "Tue, 27 Mar 2007 19:44:46 +0000"},
                   {"Authorization", authz("c2WLPFtWHVgbEmeEG93a4cG37dM=")}});
  EXPECT_EQ(acl.resource, "/johnsmith/?acl");
  EXPECT_TRUE(check(acl, at("Tue, 27 Mar 2007 19:44:46 GMT")).is_ok());
}

TEST(SigV2Test, UploadWithAmzHeadersAndContentMd5) {
  // Virtual-hosted style under a CNAME: here the path names the bucket
  // (path style as far as the server is concerned), as in AWS's example.
  auto e = make("PUT", "/static.johnsmith.net/db-backup.dat.gz", "s3.amazonaws.com",
                {{"User-Agent", "curl/7.15.5"},
                 {"Date", "Tue, 27 Mar 2007 21:06:08 +0000"},
                 {"x-amz-acl", "public-read"},
                 {"content-type", "application/x-download"},
                 {"Content-MD5", "4gJE4saaMU4BqNR0kLY+lw=="},
                 {"X-Amz-Meta-ReviewedBy", "joe@johnsmith.net"},
                 {"X-Amz-Meta-ReviewedBy", "jane@johnsmith.net"},
                 {"X-Amz-Meta-FileChecksum", "0x02661779"},
                 {"X-Amz-Meta-ChecksumAlgorithm", "crc32"},
                 {"Content-Disposition", "attachment; filename=database.dat"},
                 {"Content-Encoding", "gzip"},
                 {"Content-Length", "5913339"},
                 {"Authorization", authz("ilyl83RwaSoYIEdixDQcA4OnAnc=")}});
  EXPECT_EQ(sigv2_string_to_sign(e.request, false, e.resource),
            "PUT\n4gJE4saaMU4BqNR0kLY+lw==\napplication/x-download\n"
            "Tue, 27 Mar 2007 21:06:08 +0000\n"
            "x-amz-acl:public-read\n"
            "x-amz-meta-checksumalgorithm:crc32\n"
            "x-amz-meta-filechecksum:0x02661779\n"
            "x-amz-meta-reviewedby:joe@johnsmith.net,jane@johnsmith.net\n"
            "/static.johnsmith.net/db-backup.dat.gz");
  EXPECT_TRUE(check(e, at("Tue, 27 Mar 2007 21:06:08 GMT")).is_ok());
}

TEST(SigV2Test, ListAllBucketsAndUnicodeKeys) {
  auto buckets = make("GET", "/", "s3.amazonaws.com",
                      {{"Date", "Wed, 28 Mar 2007 01:29:59 +0000"},
                       {"Authorization", authz("qGdzdERIC03wnaRNKh6OqZehG9s=")}});
  EXPECT_EQ(buckets.resource, "/");
  EXPECT_TRUE(check(buckets, at("Wed, 28 Mar 2007 01:29:59 GMT")).is_ok());

  // The path is signed as sent, escapes and their case included.
  auto unicode = make("GET", "/dictionary/fran%C3%A7ais/pr%c3%a9f%c3%a8re", "s3.amazonaws.com",
                      {{"Date", "Wed, 28 Mar 2007 01:49:49 +0000"},
                       {"Authorization", authz("DNEZGsoieTZ92F3bUfSPQcbGmlM=")}});
  EXPECT_TRUE(check(unicode, at("Wed, 28 Mar 2007 01:49:49 GMT")).is_ok());
}

TEST(SigV2Test, QueryStringForm) {
  // AWS's query-string example (Expires 1175139620, bucket johnsmith).
  auto e = make("GET",
                "/photos/puppy.jpg?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Expires=1175139620&"
                "Signature=NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D",
                "johnsmith.s3.amazonaws.com", {});
  EXPECT_EQ(e.resource, "/johnsmith/photos/puppy.jpg");
  EXPECT_EQ(sigv2_string_to_sign(e.request, true, e.resource),
            "GET\n\n\n1175139620\n/johnsmith/photos/puppy.jpg");
  auto before = std::chrono::system_clock::from_time_t(1175139620 - 60);
  auto res = check(e, before);
  ASSERT_TRUE(res.is_ok()) << res.status().to_string();
  EXPECT_EQ(res->kind, auth::AuthKind::kPresigned);
  // Expired: AccessDenied, as S3.
  auto expired = check(e, std::chrono::system_clock::from_time_t(1175139621));
  EXPECT_EQ(code_of(expired.status()), "AccessDenied");
  EXPECT_NE(expired.status().message().find("expired"), std::string::npos);
  // Wrong secret.
  auto wrong = check(e, before, "not-the-secret");
  EXPECT_EQ(code_of(wrong.status()), "SignatureDoesNotMatch");
  EXPECT_EQ(to_s3_error(wrong.status()).http_status, 403u);
  // Missing parameters.
  auto partial = make("GET", "/photos/puppy.jpg?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE",
                      "johnsmith.s3.amazonaws.com", {});
  EXPECT_EQ(code_of(check(partial, before).status()), "AccessDenied");
}

TEST(SigV2Test, AmzDateReplacesDateAndSkewIsChecked) {
  // AWS's DELETE example. Its published signature does not match its own
  // StringToSign; this one is HMAC-SHA1 of that StringToSign computed
  // independently (Python's hmac module).
  const std::string sts =
      "DELETE\n\n\n\nx-amz-date:Tue, 27 Mar 2007 21:20:26 +0000\n/johnsmith/photos/puppy.jpg";
  const std::string sig = "R4dJ53KECjStyBO5iTBJZ4XVOaI=";
  auto e = make("DELETE", "/johnsmith/photos/puppy.jpg", "s3.amazonaws.com",
                {{"User-Agent", "dotnet"},
                 {"Date", "Tue, 27 Mar 2007 21:20:27 +0000"},
                 {"x-amz-date", "Tue, 27 Mar 2007 21:20:26 +0000"},
                 {"Authorization", authz(sig)}});
  EXPECT_EQ(sigv2_string_to_sign(e.request, false, e.resource), sts);
  EXPECT_TRUE(check(e, at("Tue, 27 Mar 2007 21:35:00 GMT")).is_ok());
  EXPECT_EQ(code_of(check(e, at("Tue, 27 Mar 2007 21:36:00 GMT")).status()),
            "RequestTimeTooSkewed");
  EXPECT_EQ(code_of(check(e, at("Tue, 27 Mar 2007 21:05:00 GMT")).status()),
            "RequestTimeTooSkewed");
}

TEST(SigV2Test, SubresourcesSortedDecodedAndOthersIgnored) {
  EXPECT_EQ(sigv2_canonical_resource("", "/b/k", "versionId=3%2F4&uploads&x-id=GetObject&acl"),
            "/b/k?acl&uploads&versionId=3/4");
  EXPECT_EQ(sigv2_canonical_resource(
                "b", "/k", "response-content-type=text%2Fplain&partNumber=2&uploadId=u&max=1"),
            "/b/k?partNumber=2&response-content-type=text/plain&uploadId=u");
  // Sent with '=' and no value: signed with it, as botocore signs it.
  EXPECT_EQ(sigv2_canonical_resource("", "/b/", "versioning="), "/b/?versioning=");
  // Names are exact: "ACL" is not a subresource.
  EXPECT_EQ(sigv2_canonical_resource("", "/b/", "ACL"), "/b/");
  // A bucket alone is "/bucket/" in both styles.
  EXPECT_EQ(sigv2_canonical_resource("", "/b", "uploads"), "/b/?uploads");
  EXPECT_EQ(sigv2_canonical_resource("b", "/", ""), "/b/");
  EXPECT_EQ(sigv2_canonical_resource("b", "", ""), "/b/");
  EXPECT_EQ(sigv2_canonical_resource("", "/", ""), "/");
  auto list = sigv2_signed_subresources();
  EXPECT_TRUE(std::is_sorted(list.begin(), list.end()));
  for (std::string_view name :
       {"acl",        "lifecycle", "location",       "logging",  "notification",
        "partNumber", "policy",    "requestPayment", "torrent",  "uploadId",
        "uploads",    "versionId", "versioning",     "versions", "website",
        "delete",     "cors",      "tagging",        "restore",  "response-expires"}) {
    EXPECT_TRUE(std::binary_search(list.begin(), list.end(), name)) << name;
  }
}

TEST(SigV2Test, DisabledMalformedAndPayloadModes) {
  auto e = make("GET", "/photos/puppy.jpg", "johnsmith.s3.amazonaws.com",
                {{"Date", "Tue, 27 Mar 2007 19:36:42 +0000"},
                 {"Authorization", authz("bWq2s1WEIj+Ydj0vQ697zp+IXMU=")}});
  auto off = parse_sigv2(e.request, false);
  EXPECT_EQ(code_of(off.status()), "InvalidRequest");
  EXPECT_EQ(to_s3_error(off.status()).http_status, 400u);
  // SigV4's parser still refuses SigV2 (the admin API uses it).
  EXPECT_EQ(code_of(auth::parse_auth(e.request).status()), "InvalidRequest");

  auto no_colon = make("GET", "/k", "johnsmith.s3.amazonaws.com",
                       {{"Date", "Tue, 27 Mar 2007 19:36:42 +0000"}, {"Authorization", "AWS abc"}});
  EXPECT_EQ(code_of(parse_sigv2(no_colon.request, true).status()), "InvalidArgument");
  auto no_date = make("GET", "/k", "johnsmith.s3.amazonaws.com", {{"Authorization", authz("x")}});
  EXPECT_EQ(code_of(parse_sigv2(no_date.request, true).status()), "AccessDenied");

  auto streaming = make("PUT", "/k", "johnsmith.s3.amazonaws.com",
                        {{"Date", "Tue, 27 Mar 2007 19:36:42 +0000"},
                         {"x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"},
                         {"Authorization", authz("x")}});
  EXPECT_EQ(code_of(parse_sigv2(streaming.request, true).status()), "InvalidRequest");
  auto hashed = make("PUT", "/k", "johnsmith.s3.amazonaws.com",
                     {{"Date", "Tue, 27 Mar 2007 19:36:42 +0000"},
                      {"x-amz-content-sha256", std::string(auth::kEmptySha256)},
                      {"Authorization", authz("x")}});
  auto parsed = parse_sigv2(hashed.request, true);
  ASSERT_TRUE(parsed.is_ok());
  EXPECT_EQ(parsed->payload, auth::PayloadMode::kSha256);

  // Not SigV2: SigV4 header, SigV4 query, anonymous.
  auto v4 = make("GET", "/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&Signature=x", "s3.amazonaws.com", {});
  EXPECT_FALSE(is_sigv2(v4.request));
  auto anon = make("GET", "/k", "s3.amazonaws.com", {});
  EXPECT_FALSE(is_sigv2(anon.request));
}

}  // namespace
}  // namespace skyarray::s3
