#include "protocols/s3/s3_routes.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <tuple>

#include "protocols/s3/s3_api_impl.h"
#include "protocols/s3/s3_errors.h"

namespace skyarray::s3 {
namespace {

S3Target target(S3Level level, auth::QueryList query = {}) {
  S3Target t;
  if (level != S3Level::kService) t.bucket = "b";
  if (level == S3Level::kObject) t.key = "k";
  t.query = std::move(query);
  return t;
}

std::string code_of(const Status& s) {
  return std::string(to_s3_error(s).code);
}

// The operation a request reaches, or the S3 error code it gets.
std::string outcome(std::string_view method, S3Level level, auth::QueryList query,
                    http::HeaderList headers = {}) {
  auto r = match_route(method, target(level, std::move(query)), headers);
  if (!r.is_ok()) return code_of(r.status());
  return std::string((*r)->operation);
}

// Every query name that selects an operation in S3's REST API (the AWS SDK
// service model, 2026), with our `append`, and names S3 never had.
const std::vector<std::string> kAllSubresources = {
    "abac", "accelerate", "acl", "analytics", "append", "attributes", "cors", "delete",
    "encryption", "intelligent-tiering", "inventory", "legal-hold", "lifecycle", "location",
    "logging", "metadataConfiguration", "metadataInventoryTable", "metadataJournalTable",
    "metadataTable", "metrics", "notification", "object-lock", "ownershipControls", "policy",
    "policyStatus", "publicAccessBlock", "renameObject", "replication", "requestPayment", "restore",
    "retention", "select", "session", "tagging", "torrent", "uploadId", "uploads", "versioning",
    "versions", "website",
    // not S3's: must never be taken for a parameter
    "frobnicate", "Acl", "legalhold"};

// What is served: (method, level, subresource) → operation. Everything else
// is refused.
using Key = std::tuple<std::string, S3Level, std::string>;
const std::map<Key, std::string> kServed = {
    {{"GET", S3Level::kBucket, "location"}, "GetBucketLocation"},
    {{"GET", S3Level::kBucket, "versioning"}, "GetBucketVersioning"},
    {{"GET", S3Level::kBucket, "tagging"}, "GetBucketTagging"},
    {{"GET", S3Level::kBucket, "cors"}, "GetBucketCors"},
    {{"GET", S3Level::kBucket, "acl"}, "GetBucketAcl"},
    {{"GET", S3Level::kBucket, "policy"}, "GetBucketPolicy"},
    {{"GET", S3Level::kBucket, "policyStatus"}, "GetBucketPolicyStatus"},
    {{"GET", S3Level::kBucket, "publicAccessBlock"}, "GetPublicAccessBlock"},
    {{"GET", S3Level::kBucket, "ownershipControls"}, "GetBucketOwnershipControls"},
    {{"PUT", S3Level::kBucket, "publicAccessBlock"}, "PutPublicAccessBlock"},
    {{"PUT", S3Level::kBucket, "ownershipControls"}, "PutBucketOwnershipControls"},
    {{"DELETE", S3Level::kBucket, "publicAccessBlock"}, "DeletePublicAccessBlock"},
    {{"DELETE", S3Level::kBucket, "ownershipControls"}, "DeleteBucketOwnershipControls"},
    {{"GET", S3Level::kBucket, "uploads"}, "ListMultipartUploads"},
    {{"GET", S3Level::kBucket, "versions"}, "ListObjectVersions"},
    {{"GET", S3Level::kBucket, "object-lock"}, "GetObjectLockConfiguration"},
    {{"GET", S3Level::kBucket, "lifecycle"}, "GetBucketLifecycleConfiguration"},
    {{"PUT", S3Level::kBucket, "lifecycle"}, "PutBucketLifecycleConfiguration"},
    {{"DELETE", S3Level::kBucket, "lifecycle"}, "DeleteBucketLifecycle"},
    {{"GET", S3Level::kBucket, "encryption"}, "GetBucketEncryption"},
    {{"PUT", S3Level::kBucket, "encryption"}, "PutBucketEncryption"},
    {{"DELETE", S3Level::kBucket, "encryption"}, "DeleteBucketEncryption"},
    {{"PUT", S3Level::kBucket, "object-lock"}, "PutObjectLockConfiguration"},
    {{"GET", S3Level::kObject, "retention"}, "GetObjectRetention"},
    {{"PUT", S3Level::kObject, "retention"}, "PutObjectRetention"},
    {{"GET", S3Level::kObject, "legal-hold"}, "GetObjectLegalHold"},
    {{"PUT", S3Level::kObject, "legal-hold"}, "PutObjectLegalHold"},
    {{"PUT", S3Level::kBucket, "versioning"}, "PutBucketVersioning"},
    {{"PUT", S3Level::kBucket, "tagging"}, "PutBucketTagging"},
    {{"PUT", S3Level::kBucket, "cors"}, "PutBucketCors"},
    {{"PUT", S3Level::kBucket, "acl"}, "PutBucketAcl"},
    {{"PUT", S3Level::kBucket, "policy"}, "PutBucketPolicy"},
    {{"DELETE", S3Level::kBucket, "tagging"}, "DeleteBucketTagging"},
    {{"DELETE", S3Level::kBucket, "cors"}, "DeleteBucketCors"},
    {{"DELETE", S3Level::kBucket, "policy"}, "DeleteBucketPolicy"},
    {{"POST", S3Level::kBucket, "delete"}, "DeleteObjects"},
    {{"GET", S3Level::kObject, "tagging"}, "GetObjectTagging"},
    {{"GET", S3Level::kObject, "uploadId"}, "ListParts"},
    {{"GET", S3Level::kObject, "attributes"}, "GetObjectAttributes"},
    {{"GET", S3Level::kObject, "acl"}, "GetObjectAcl"},
    {{"PUT", S3Level::kObject, "tagging"}, "PutObjectTagging"},
    {{"PUT", S3Level::kObject, "acl"}, "PutObjectAcl"},
    {{"PUT", S3Level::kObject, "uploadId"}, "UploadPart"},
    {{"POST", S3Level::kObject, "uploads"}, "CreateMultipartUpload"},
    {{"POST", S3Level::kObject, "uploadId"}, "CompleteMultipartUpload"},
    {{"POST", S3Level::kObject, "append"}, "AppendObject"},
    {{"DELETE", S3Level::kObject, "tagging"}, "DeleteObjectTagging"},
    {{"DELETE", S3Level::kObject, "uploadId"}, "AbortMultipartUpload"},
};

// The handlers that store or return an object's bytes: a subresource that
// is not theirs must never reach them.
bool is_object_data_handler(S3Handler h) {
  return h == &route_to<&S3ObjectReadHandlers::get_object> ||
         h == &route_to<&S3ObjectReadHandlers::head_object> ||
         h == &route_to<&S3ObjectWriteHandlers::put_object> ||
         h == &route_to<&S3ObjectWriteHandlers::copy_object> ||
         h == &route_to<&S3ObjectWriteHandlers::delete_object> ||
         h == &route_to<&S3ObjectWriteHandlers::append_object> ||
         h == &route_to<&S3MultipartHandlers::upload_part> ||
         h == &route_to<&S3ObjectReadHandlers::list_objects> ||
         h == &route_to<&S3BucketHandlers::create_bucket> ||
         h == &route_to<&S3BucketHandlers::delete_bucket>;
}

TEST(S3RoutesTest, EverySubresourceEveryMethodIsServedOrRefused) {
  for (const std::string& sub : kAllSubresources) {
    for (const char* method : {"GET", "HEAD", "PUT", "POST", "DELETE"}) {
      for (S3Level level : {S3Level::kBucket, S3Level::kObject}) {
        SCOPED_TRACE(std::string(method) + (level == S3Level::kBucket ? " /b?" : " /b/k?") + sub);
        for (const std::string& value : {std::string(), std::string("x")}) {
          auto r = match_route(method, target(level, {{sub, value}}), {});
          auto want = kServed.find({method, level, sub});
          if (want == kServed.end()) {
            ASSERT_FALSE(r.is_ok()) << "reached " << (*r)->operation;
            EXPECT_EQ(code_of(r.status()), "NotImplemented");
            continue;
          }
          ASSERT_TRUE(r.is_ok()) << r.status().to_string();
          EXPECT_EQ((*r)->operation, want->second);
          EXPECT_EQ((*r)->subresource, sub);
          if (sub != "uploadId" && sub != "append") {
            EXPECT_FALSE(is_object_data_handler((*r)->handler));
          }
        }
      }
    }
  }
}

TEST(S3RoutesTest, TheTableNamesOnlyDocumentedSubresources) {
  std::set<std::string_view> documented(s3_subresources().begin(), s3_subresources().end());
  for (const S3Route& r : s3_routes()) {
    if (!r.subresource.empty()) {
      EXPECT_TRUE(documented.count(r.subresource)) << r.subresource;
    }
    EXPECT_FALSE(r.action.empty()) << r.operation;
  }
  for (const std::string& sub : kAllSubresources) {
    bool ours = documented.count(sub) > 0;
    EXPECT_EQ(ours, sub != "frobnicate" && sub != "Acl" && sub != "legalhold") << sub;
    EXPECT_FALSE(is_s3_parameter(sub)) << sub;
  }
}

TEST(S3RoutesTest, PlainRequestsReachTheirOperations) {
  EXPECT_EQ(outcome("GET", S3Level::kService, {}), "ListBuckets");
  EXPECT_EQ(outcome("GET", S3Level::kBucket, {}), "ListObjects(V2)");
  EXPECT_EQ(outcome("HEAD", S3Level::kBucket, {}), "HeadBucket");
  EXPECT_EQ(outcome("PUT", S3Level::kBucket, {}), "CreateBucket");
  EXPECT_EQ(outcome("DELETE", S3Level::kBucket, {}), "DeleteBucket");
  EXPECT_EQ(outcome("GET", S3Level::kObject, {}), "GetObject");
  EXPECT_EQ(outcome("HEAD", S3Level::kObject, {}), "HeadObject");
  EXPECT_EQ(outcome("PUT", S3Level::kObject, {}), "PutObject");
  EXPECT_EQ(outcome("DELETE", S3Level::kObject, {}), "DeleteObject");
  EXPECT_EQ(outcome("PUT", S3Level::kObject, {}, {{"x-amz-copy-source", "/a/b"}}), "CopyObject");
  EXPECT_EQ(outcome("PUT", S3Level::kObject, {{"uploadId", "u"}, {"partNumber", "1"}},
                    {{"X-Amz-Copy-Source", "/a/b"}, {"x-amz-copy-source-range", "bytes=0-1"}}),
            "UploadPartCopy");
}

TEST(S3RoutesTest, MethodsS3DoesNotHave) {
  EXPECT_EQ(outcome("PATCH", S3Level::kObject, {}), "MethodNotAllowed");
  EXPECT_EQ(outcome("PUT", S3Level::kService, {}), "MethodNotAllowed");
  EXPECT_EQ(outcome("DELETE", S3Level::kService, {}), "MethodNotAllowed");
  // POST without a subresource on a bucket is the browser-form upload.
  EXPECT_EQ(outcome("POST", S3Level::kBucket, {}), "PostObject");
  EXPECT_EQ(outcome("POST", S3Level::kObject, {}), "NotImplemented");
}

TEST(S3RoutesTest, ParametersAreNotSubresources) {
  EXPECT_EQ(outcome("GET", S3Level::kBucket,
                    {{"list-type", "2"},
                     {"prefix", "p"},
                     {"delimiter", "/"},
                     {"max-keys", "5"},
                     {"continuation-token", "t"},
                     {"start-after", "a"},
                     {"fetch-owner", "true"},
                     {"encoding-type", "url"},
                     {"x-id", "ListObjectsV2"}}),
            "ListObjects(V2)");
  EXPECT_EQ(outcome("GET", S3Level::kObject,
                    {{"versionId", "v"},
                     {"partNumber", "1"},
                     {"response-content-type", "a/b"},
                     {"X-Amz-Algorithm", "AWS4-HMAC-SHA256"},
                     {"X-Amz-Credential", "c"},
                     {"X-Amz-Date", "d"},
                     {"X-Amz-Expires", "60"},
                     {"X-Amz-SignedHeaders", "host"},
                     {"X-Amz-Signature", "s"},
                     {"x-amz-security-token", "t"}}),
            "GetObject");
  EXPECT_EQ(outcome("GET", S3Level::kObject,
                    {{"AWSAccessKeyId", "a"}, {"Signature", "s"}, {"Expires", "1"}}),
            "GetObject");
  EXPECT_EQ(outcome("GET", S3Level::kBucket,
                    {{"versions", ""}, {"key-marker", "k"}, {"version-id-marker", "v"}}),
            "ListObjectVersions");
  EXPECT_EQ(outcome("POST", S3Level::kObject, {{"append", ""}, {"position", "0"}}), "AppendObject");
}

TEST(S3RoutesTest, UnknownQueryNamesAndCombinationsAreRefused) {
  auto r = match_route("PUT", target(S3Level::kObject, {{"frobnicate", ""}}), {});
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(code_of(r.status()), "NotImplemented");
  EXPECT_NE(r.status().message().find("frobnicate"), std::string::npos);
  // A header a presigner hoisted into the query is checked as a header.
  EXPECT_EQ(outcome("PUT", S3Level::kObject, {{"x-amz-website-redirect-location", "/x"}}),
            "NotImplemented");
  EXPECT_EQ(outcome("PUT", S3Level::kObject,
                    {{"X-Amz-Signature", "s"},
                     {"x-amz-checksum-crc32", "AAAAAA=="},
                     {"x-amz-sdk-checksum-algorithm", "CRC32"},
                     {"x-amz-meta-a", "b"},
                     {"x-id", "PutObject"}}),
            "PutObject");
  EXPECT_EQ(outcome("GET", S3Level::kObject, {{"x-amz-checksum-mode", "ENABLED"}}), "GetObject");
  EXPECT_EQ(outcome("GET", S3Level::kBucket, {{"x-amz-checksum-mode", "ENABLED"}}),
            "NotImplemented");
  EXPECT_EQ(outcome("PUT", S3Level::kObject, {{"tagging", ""}, {"acl", ""}}), "NotImplemented");
  EXPECT_EQ(outcome("HEAD", S3Level::kObject, {{"uploadId", "u"}}), "NotImplemented");
}

TEST(S3RoutesTest, UnhonouredSemanticHeadersAreRefused) {
  const std::vector<std::pair<std::string, std::string>> kRefusedOnPut = {
      {"x-amz-server-side-encryption-dsse-key", "k"},
      {"x-amz-object-lock-token", "t"},
      {"x-amz-website-redirect-location", "/x"},
      {"x-amz-request-payer", "requester"},
      {"x-amz-if-match-size", "3"},
      {"x-amz-max-parts", "2"},
      {"x-amz-checksum-sha512", "AAAA"},
      {"x-amz-copy-source-range", "bytes=0-1"},
      {"x-amz-metadata-directive", "REPLACE"},
      {"If-Modified-Since", "Sun, 06 Nov 1994 08:49:37 GMT"},
  };
  for (const auto& [name, value] : kRefusedOnPut) {
    auto r = match_route("PUT", target(S3Level::kObject), {{name, value}});
    ASSERT_FALSE(r.is_ok()) << name;
    EXPECT_EQ(code_of(r.status()), "NotImplemented") << name;
    std::string lower = name;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    EXPECT_NE(r.status().message().find(lower), std::string::npos) << r.status().message();
  }
  // Encryption: SSE headers where a new version is written, SSE-C keys
  // where one is written or read, a copy source's key on copies; refused
  // everywhere else.
  const std::pair<std::string, std::string> kSse{"x-amz-server-side-encryption", "AES256"};
  const std::pair<std::string, std::string> kSseC{"x-amz-server-side-encryption-customer-key",
                                                  "a2V5"};
  const std::pair<std::string, std::string> kSourceC{
      "x-amz-copy-source-server-side-encryption-customer-key", "a2V5"};
  EXPECT_EQ(outcome("PUT", S3Level::kObject, {}, {kSse}), "PutObject");
  EXPECT_EQ(outcome("PUT", S3Level::kObject, {}, {kSseC}), "PutObject");
  EXPECT_EQ(outcome("POST", S3Level::kObject, {{"uploads", ""}}, {kSse}), "CreateMultipartUpload");
  EXPECT_EQ(outcome("PUT", S3Level::kObject, {}, {{"x-amz-copy-source", "/a/b"}, kSse, kSourceC}),
            "CopyObject");
  EXPECT_EQ(outcome("GET", S3Level::kObject, {}, {kSseC}), "GetObject");
  EXPECT_EQ(outcome("HEAD", S3Level::kObject, {}, {kSseC}), "HeadObject");
  EXPECT_EQ(outcome("PUT", S3Level::kObject, {{"uploadId", "u"}, {"partNumber", "1"}}, {kSseC}),
            "UploadPart");
  EXPECT_EQ(outcome("PUT", S3Level::kObject, {{"uploadId", "u"}, {"partNumber", "1"}}, {kSse}),
            "NotImplemented");
  EXPECT_EQ(outcome("PUT", S3Level::kObject, {}, {kSourceC}), "NotImplemented");
  EXPECT_EQ(outcome("GET", S3Level::kObject, {}, {kSse}), "NotImplemented");
  EXPECT_EQ(outcome("DELETE", S3Level::kObject, {}, {kSseC}), "NotImplemented");
  EXPECT_EQ(outcome("PUT", S3Level::kObject, {{"tagging", ""}}, {kSse}), "NotImplemented");
  // Object Lock headers: honoured by PutObject, CopyObject and
  // CreateMultipartUpload (and CreateBucket's), refused everywhere else.
  for (const auto& [name, value] : std::vector<std::pair<std::string, std::string>>{
           {"x-amz-object-lock-mode", "COMPLIANCE"},
           {"x-amz-object-lock-retain-until-date", "2045-01-01T00:00:00Z"},
           {"x-amz-object-lock-legal-hold", "ON"}}) {
    EXPECT_EQ(outcome("PUT", S3Level::kObject, {}, {{name, value}}), "PutObject") << name;
    EXPECT_EQ(outcome("PUT", S3Level::kObject, {}, {{"x-amz-copy-source", "/a/b"}, {name, value}}),
              "CopyObject")
        << name;
    EXPECT_EQ(outcome("POST", S3Level::kObject, {{"uploads", ""}}, {{name, value}}),
              "CreateMultipartUpload")
        << name;
    EXPECT_EQ(
        outcome("PUT", S3Level::kObject, {{"uploadId", "u"}, {"partNumber", "1"}}, {{name, value}}),
        "NotImplemented")
        << name;
    EXPECT_EQ(
        outcome("POST", S3Level::kObject, {{"append", ""}, {"position", "0"}}, {{name, value}}),
        "NotImplemented")
        << name;
    EXPECT_EQ(outcome("PUT", S3Level::kObject, {{"tagging", ""}}, {{name, value}}),
              "NotImplemented")
        << name;
    EXPECT_EQ(outcome("PUT", S3Level::kObject, {{"retention", ""}}, {{name, value}}),
              "NotImplemented")
        << name;
  }
  EXPECT_EQ(outcome("PUT", S3Level::kBucket, {}, {{"x-amz-bucket-object-lock-enabled", "true"}}),
            "CreateBucket");
  EXPECT_EQ(outcome("PUT", S3Level::kBucket, {{"tagging", ""}},
                    {{"x-amz-bucket-object-lock-enabled", "true"}}),
            "NotImplemented");
  EXPECT_EQ(outcome("PUT", S3Level::kBucket, {{"object-lock", ""}},
                    {{"x-amz-bucket-object-lock-token", "t"}}),
            "NotImplemented");
  // Honoured by CreateBucket only (its handler refuses the values it cannot keep).
  EXPECT_EQ(outcome("PUT", S3Level::kBucket, {}, {{"x-amz-object-ownership", "ObjectWriter"}}),
            "CreateBucket");
  EXPECT_EQ(outcome("PUT", S3Level::kObject, {}, {{"x-amz-object-ownership", "ObjectWriter"}}),
            "NotImplemented");
  EXPECT_EQ(outcome("DELETE", S3Level::kObject, {}, {{"x-amz-mfa", "1 2"}}), "NotImplemented");
  EXPECT_EQ(outcome("DELETE", S3Level::kObject, {}, {{"x-amz-if-match-initiated-time", "x"}}),
            "NotImplemented");
  // A header honoured elsewhere is still refused where its route ignores it.
  EXPECT_EQ(outcome("PUT", S3Level::kObject, {{"tagging", ""}}, {{"x-amz-acl", "public-read"}}),
            "NotImplemented");
  EXPECT_EQ(outcome("POST", S3Level::kObject, {{"uploads", ""}}, {{"x-amz-copy-source", "/a/b"}}),
            "NotImplemented");
  EXPECT_EQ(outcome("PUT", S3Level::kObject, {}, {{"x-amz-checksum-type", "FULL_OBJECT"}}),
            "NotImplemented");
  EXPECT_EQ(outcome("PUT", S3Level::kObject, {{"tagging", ""}}, {{"If-None-Match", "*"}}),
            "NotImplemented");
}

TEST(S3RoutesTest, HonouredAndHarmlessHeadersPass) {
  EXPECT_EQ(outcome("PUT", S3Level::kObject, {},
                    {{"x-amz-acl", "private"},
                     {"x-amz-grant-read", "id=x"},
                     {"x-amz-tagging", "a=b"},
                     {"x-amz-storage-class", "STANDARD"},
                     {"x-amz-meta-a", "b"},
                     {"x-amz-checksum-crc32", "AAAAAA=="},
                     {"x-amz-sdk-checksum-algorithm", "CRC32"},
                     {"If-None-Match", "*"},
                     {"Content-MD5", "x"},
                     {"x-amz-content-sha256", "UNSIGNED-PAYLOAD"},
                     {"x-amz-bypass-governance-retention", "true"}}),
            "PutObject");
  EXPECT_EQ(outcome("PUT", S3Level::kObject, {},
                    {{"x-amz-copy-source", "/a/b"},
                     {"x-amz-copy-source-if-match", "\"e\""},
                     {"x-amz-metadata-directive", "REPLACE"},
                     {"x-amz-tagging-directive", "COPY"}}),
            "CopyObject");
  EXPECT_EQ(outcome("GET", S3Level::kObject, {},
                    {{"Range", "bytes=0-1"},
                     {"If-Match", "\"e\""},
                     {"If-Modified-Since", "Sun, 06 Nov 1994 08:49:37 GMT"},
                     {"x-amz-checksum-mode", "ENABLED"}}),
            "GetObject");
  // A browser revalidating a listing: the full answer is still right.
  EXPECT_EQ(outcome("GET", S3Level::kBucket, {}, {{"If-None-Match", "\"e\""}}), "ListObjects(V2)");
  EXPECT_EQ(outcome("PUT", S3Level::kBucket, {},
                    {{"x-amz-bucket-object-lock-enabled", "False"}, {"x-amz-acl", "private"}}),
            "CreateBucket");
  EXPECT_EQ(
      outcome("POST", S3Level::kBucket, {{"delete", ""}},
              {{"x-amz-checksum-crc32", "AAAAAA=="}, {"x-amz-sdk-checksum-algorithm", "CRC32"}}),
      "DeleteObjects");
  EXPECT_EQ(outcome("POST", S3Level::kObject, {{"uploads", ""}},
                    {{"x-amz-checksum-algorithm", "CRC32"}, {"x-amz-checksum-type", "COMPOSITE"}}),
            "CreateMultipartUpload");
  EXPECT_EQ(
      outcome("POST", S3Level::kObject, {{"uploads", ""}},
              {{"x-amz-checksum-algorithm", "CRC32"}, {"x-amz-checksum-type", "FULL_OBJECT"}}),
      "CreateMultipartUpload");
  EXPECT_EQ(outcome("POST", S3Level::kObject, {{"uploadId", "u"}},
                    {{"x-amz-checksum-crc32", "AAAAAA=="}, {"x-amz-checksum-type", "FULL_OBJECT"}}),
            "CompleteMultipartUpload");
  EXPECT_EQ(outcome("DELETE", S3Level::kObject, {},
                    {{"x-amz-if-match-size", "3"},
                     {"x-amz-if-match-last-modified-time", "Sun, 06 Nov 1994 08:49:37 GMT"}}),
            "DeleteObject");
  EXPECT_EQ(outcome("GET", S3Level::kObject, {{"attributes", ""}},
                    {{"x-amz-object-attributes", "ObjectParts"},
                     {"x-amz-max-parts", "2"},
                     {"x-amz-part-number-marker", "1"}}),
            "GetObjectAttributes");
  // The expected bucket owner is checked on every route (authorize()).
  EXPECT_EQ(outcome("GET", S3Level::kObject, {}, {{"x-amz-expected-bucket-owner", "root"}}),
            "GetObject");
  EXPECT_EQ(
      outcome("PUT", S3Level::kObject, {},
              {{"x-amz-copy-source", "/a/b"}, {"x-amz-source-expected-bucket-owner", "root"}}),
      "CopyObject");
}

}  // namespace
}  // namespace skyarray::s3
