#include "protocols/s3/s3_routes.h"

#include <algorithm>
#include <string>

#include "common/ascii.h"
#include "protocols/s3/s3_api_impl.h"
#include "protocols/s3/s3_errors.h"

namespace skyarray::s3 {

namespace {

using Buckets = S3BucketHandlers;
using Access = S3AccessHandlers;
using Reads = S3ObjectReadHandlers;
using Writes = S3ObjectWriteHandlers;
using Post = S3PostObjectHandler;
using Uploads = S3MultipartHandlers;
using Versions = S3VersionHandlers;
using Lock = S3ObjectLockHandlers;
using Lifecycle = S3LifecycleHandlers;
constexpr S3Level kSvc = S3Level::kService;
constexpr S3Level kBkt = S3Level::kBucket;
constexpr S3Level kObj = S3Level::kObject;

// What a body-less read honours; conditional headers are honoured by
// GetObject/HeadObject only.
constexpr uint32_t kObjectRead =
    kHdrChecksumMode | kHdrIfMatch | kHdrIfNoneMatch | kHdrIfTime | kHdrSseCustomer;
// What PutObject and its relatives store from headers.
constexpr uint32_t kObjectWrite =
    kHdrAcl | kHdrTagging | kHdrStorageClass | kHdrSse | kHdrSseCustomer;
// An XML body verified by read_xml(): Content-MD5 and x-amz-checksum-*.
constexpr uint32_t kXmlBody = kHdrChecksum;

// The operations, first match wins: a copy row comes before the plain row
// of the same (method, level, subresource).
// clang-format off
constexpr S3Route kRoutes[] = {
  // method  level  subresource     copy   operation                     handler                        action                             version action                       headers honoured
  {"GET",    kSvc, "",              false, "ListBuckets",                &route_to<&Buckets::list_buckets>,              "s3:ListAllMyBuckets",             "",                                  0},

  {"GET",    kBkt, "location",      false, "GetBucketLocation",          &route_to<&Buckets::get_bucket_location>,       "s3:GetBucketLocation",            "",                                  0},
  {"GET",    kBkt, "versioning",    false, "GetBucketVersioning",        &route_to<&Buckets::get_bucket_versioning>,     "s3:GetBucketVersioning",          "",                                  0},
  {"GET",    kBkt, "tagging",       false, "GetBucketTagging",           &route_to<&Buckets::get_bucket_tagging>,        "s3:GetBucketTagging",             "",                                  0},
  {"GET",    kBkt, "cors",          false, "GetBucketCors",              &route_to<&Buckets::get_bucket_cors>,           "s3:GetBucketCORS",                "",                                  0},
  {"GET",    kBkt, "acl",           false, "GetBucketAcl",               &route_to<&Access::get_acl>,                   "s3:GetBucketAcl",                 "",                                  0},
  {"GET",    kBkt, "policy",        false, "GetBucketPolicy",            &route_to<&Access::get_bucket_policy>,         "s3:GetBucketPolicy",              "",                                  0},
  {"GET",    kBkt, "policyStatus",  false, "GetBucketPolicyStatus",      &route_to<&Access::get_bucket_policy_status>,  "s3:GetBucketPolicyStatus",        "",                                  0},
  {"GET",    kBkt, "publicAccessBlock", false, "GetPublicAccessBlock",       &route_to<&Access::get_public_access_block>,   "s3:GetBucketPublicAccessBlock",   "",                                  0},
  {"GET",    kBkt, "ownershipControls", false, "GetBucketOwnershipControls", &route_to<&Access::get_ownership_controls>,    "s3:GetBucketOwnershipControls",   "",                                  0},
  {"GET",    kBkt, "uploads",       false, "ListMultipartUploads",       &route_to<&Uploads::list_multipart_uploads>,    "s3:ListBucketMultipartUploads",   "",                                  0},
  {"GET",    kBkt, "object-lock",   false, "GetObjectLockConfiguration", &route_to<&Lock::get_object_lock_configuration>, "s3:GetBucketObjectLockConfiguration", "",                              0},
  {"GET",    kBkt, "lifecycle",     false, "GetBucketLifecycleConfiguration", &route_to<&Lifecycle::get_bucket_lifecycle>, "s3:GetLifecycleConfiguration", "",                              0},
  {"GET",    kBkt, "encryption",    false, "GetBucketEncryption",        &route_to<&Buckets::get_bucket_encryption>,     "s3:GetEncryptionConfiguration",   "",                                  0},
  {"GET",    kBkt, "versions",      false, "ListObjectVersions",         &route_to<&Versions::list_object_versions>,      "s3:ListBucketVersions",           "",                                  0},
  {"GET",    kBkt, "",              false, "ListObjects(V2)",            &route_to<&Reads::list_objects>,              "s3:ListBucket",                   "",                                  0},
  {"HEAD",   kBkt, "",              false, "HeadBucket",                 &route_to<&Buckets::head_bucket>,               "s3:ListBucket",                   "",                                  0},
  {"PUT",    kBkt, "versioning",    false, "PutBucketVersioning",        &route_to<&Buckets::put_bucket_versioning>,     "s3:PutBucketVersioning",          "",                                  kXmlBody},
  {"PUT",    kBkt, "tagging",       false, "PutBucketTagging",           &route_to<&Buckets::put_bucket_tagging>,        "s3:PutBucketTagging",             "",                                  kXmlBody},
  {"PUT",    kBkt, "cors",          false, "PutBucketCors",              &route_to<&Buckets::put_bucket_cors>,           "s3:PutBucketCORS",                "",                                  kXmlBody},
  {"PUT",    kBkt, "acl",           false, "PutBucketAcl",               &route_to<&Access::put_acl>,                   "s3:PutBucketAcl",                 "",                                  kXmlBody | kHdrAcl},
  {"PUT",    kBkt, "policy",        false, "PutBucketPolicy",            &route_to<&Access::put_bucket_policy>,         "s3:PutBucketPolicy",              "",                                  kXmlBody},
  {"PUT",    kBkt, "publicAccessBlock", false, "PutPublicAccessBlock",       &route_to<&Access::put_public_access_block>,   "s3:PutBucketPublicAccessBlock",   "",                                  kXmlBody},
  {"PUT",    kBkt, "ownershipControls", false, "PutBucketOwnershipControls", &route_to<&Access::put_ownership_controls>,    "s3:PutBucketOwnershipControls",   "",                                  kXmlBody},
  {"PUT",    kBkt, "object-lock",   false, "PutObjectLockConfiguration", &route_to<&Lock::put_object_lock_configuration>, "s3:PutBucketObjectLockConfiguration", "",                              kXmlBody},
  {"PUT",    kBkt, "lifecycle",     false, "PutBucketLifecycleConfiguration", &route_to<&Lifecycle::put_bucket_lifecycle>, "s3:PutLifecycleConfiguration", "",                              kXmlBody},
  {"PUT",    kBkt, "encryption",    false, "PutBucketEncryption",        &route_to<&Buckets::put_bucket_encryption>,     "s3:PutEncryptionConfiguration",   "",                                  kXmlBody},
  {"PUT",    kBkt, "",              false, "CreateBucket",               &route_to<&Buckets::create_bucket>,             "s3:CreateBucket",                 "",                                  kXmlBody | kHdrAcl | kHdrObjectOwnership | kHdrBucketObjectLock},
  {"DELETE", kBkt, "tagging",       false, "DeleteBucketTagging",        &route_to<&Buckets::delete_bucket_tagging>,     "s3:PutBucketTagging",             "",                                  0},
  {"DELETE", kBkt, "cors",          false, "DeleteBucketCors",           &route_to<&Buckets::delete_bucket_cors>,        "s3:PutBucketCORS",                "",                                  0},
  {"DELETE", kBkt, "policy",        false, "DeleteBucketPolicy",         &route_to<&Access::delete_bucket_policy>,      "s3:DeleteBucketPolicy",           "",                                  0},
  {"DELETE", kBkt, "publicAccessBlock", false, "DeletePublicAccessBlock",    &route_to<&Access::delete_public_access_block>, "s3:PutBucketPublicAccessBlock",   "",                                  0},
  {"DELETE", kBkt, "ownershipControls", false, "DeleteBucketOwnershipControls", &route_to<&Access::delete_ownership_controls>, "s3:PutBucketOwnershipControls",   "",                                  0},
  {"DELETE", kBkt, "lifecycle",     false, "DeleteBucketLifecycle",      &route_to<&Lifecycle::delete_bucket_lifecycle>, "s3:PutLifecycleConfiguration", "",                              0},
  {"DELETE", kBkt, "encryption",    false, "DeleteBucketEncryption",     &route_to<&Buckets::delete_bucket_encryption>,  "s3:PutEncryptionConfiguration",   "",                                  0},
  {"DELETE", kBkt, "",              false, "DeleteBucket",               &route_to<&Buckets::delete_bucket>,             "s3:DeleteBucket",                 "",                                  0},
  // Authorized key by key (delete_objects).
  {"POST",   kBkt, "delete",        false, "DeleteObjects",              &route_to<&Writes::delete_objects>,            "s3:DeleteObject",                 "",                                  kXmlBody},
  // Browser-form upload: authorized inside (the uploader is in the form).
  {"POST",   kBkt, "",              false, "PostObject",                 &route_to<&Post::post_object>,               "s3:PutObject",                    "",                                  0},

  {"GET",    kObj, "tagging",       false, "GetObjectTagging",           &route_to<&Reads::get_object_tagging>,        "s3:GetObjectTagging",             "s3:GetObjectVersionTagging",        0},
  {"GET",    kObj, "uploadId",      false, "ListParts",                  &route_to<&Uploads::list_parts>,                "s3:ListMultipartUploadParts",     "",                                  0},
  {"GET",    kObj, "attributes",    false, "GetObjectAttributes",        &route_to<&Reads::get_object_attributes>,     "s3:GetObjectAttributes",          "s3:GetObjectVersionAttributes",     kHdrObjectAttributes | kHdrPartPaging},
  {"GET",    kObj, "retention",     false, "GetObjectRetention",         &route_to<&Lock::get_object_retention>,        "s3:GetObjectRetention",           "",                                  0},
  {"GET",    kObj, "legal-hold",    false, "GetObjectLegalHold",         &route_to<&Lock::get_object_legal_hold>,       "s3:GetObjectLegalHold",           "",                                  0},
  {"GET",    kObj, "acl",           false, "GetObjectAcl",               &route_to<&Access::get_acl>,                   "s3:GetObjectAcl",                 "s3:GetObjectVersionAcl",            0},
  {"GET",    kObj, "",              false, "GetObject",                  &route_to<&Reads::get_object>,                "s3:GetObject",                    "s3:GetObjectVersion",               kObjectRead},
  {"HEAD",   kObj, "",              false, "HeadObject",                 &route_to<&Reads::head_object>,               "s3:GetObject",                    "s3:GetObjectVersion",               kObjectRead},
  {"PUT",    kObj, "tagging",       false, "PutObjectTagging",           &route_to<&Writes::put_object_tagging>,        "s3:PutObjectTagging",             "s3:PutObjectVersionTagging",        kXmlBody},
  {"PUT",    kObj, "acl",           false, "PutObjectAcl",               &route_to<&Access::put_acl>,                   "s3:PutObjectAcl",                 "s3:PutObjectVersionAcl",            kXmlBody | kHdrAcl},
  {"PUT",    kObj, "uploadId",      true,  "UploadPartCopy",             &route_to<&Uploads::upload_part_copy>,          "s3:PutObject",                    "",                                  kHdrCopySource | kHdrCopyRange},
  {"PUT",    kObj, "uploadId",      false, "UploadPart",                 &route_to<&Uploads::upload_part>,               "s3:PutObject",                    "",                                  kHdrChecksum | kHdrSseCustomer},
  {"PUT",    kObj, "retention",     false, "PutObjectRetention",         &route_to<&Lock::put_object_retention>,        "s3:PutObjectRetention",           "",                                  kXmlBody},
  {"PUT",    kObj, "legal-hold",    false, "PutObjectLegalHold",         &route_to<&Lock::put_object_legal_hold>,       "s3:PutObjectLegalHold",           "",                                  kXmlBody},
  {"PUT",    kObj, "",              true,  "CopyObject",                 &route_to<&Writes::copy_object>,               "s3:PutObject",                    "",                                  kHdrCopySource | kHdrCopySourceSse | kHdrDirectives | kObjectWrite | kHdrObjectLock | kHdrIfMatch | kHdrIfNoneMatch},
  {"PUT",    kObj, "",              false, "PutObject",                  &route_to<&Writes::put_object>,                "s3:PutObject",                    "",                                  kObjectWrite | kHdrObjectLock | kHdrChecksum | kHdrChecksumAlgorithm | kHdrIfMatch | kHdrIfNoneMatch | kHdrWriteOffset},
  {"POST",   kObj, "uploads",       false, "CreateMultipartUpload",      &route_to<&Uploads::create_multipart_upload>,   "s3:PutObject",                    "",                                  kObjectWrite | kHdrObjectLock | kHdrChecksumAlgorithm | kHdrChecksumType},
  {"POST",   kObj, "uploadId",      false, "CompleteMultipartUpload",    &route_to<&Uploads::complete_multipart_upload>, "s3:PutObject",                    "",                                  kHdrIfMatch | kHdrIfNoneMatch | kHdrChecksum | kHdrChecksumType},
  // Appendable objects (OSS-style ?append&position=N).
  {"POST",   kObj, "append",        false, "AppendObject",               &route_to<&Writes::append_object>,             "s3:PutObject",                    "",                                  kObjectWrite | kHdrChecksum | kHdrChecksumAlgorithm},
  {"DELETE", kObj, "tagging",       false, "DeleteObjectTagging",        &route_to<&Writes::delete_object_tagging>,     "s3:DeleteObjectTagging",          "s3:DeleteObjectVersionTagging",     0},
  {"DELETE", kObj, "uploadId",      false, "AbortMultipartUpload",       &route_to<&Uploads::abort_multipart_upload>,    "s3:AbortMultipartUpload",         "",                                  0},
  {"DELETE", kObj, "",              false, "DeleteObject",               &route_to<&Writes::delete_object>,             "s3:DeleteObject",                 "s3:DeleteObjectVersion",            kHdrIfMatch | kHdrDeleteConditions},
};

// Every query name of S3's REST API (the AWS SDKs' service model) that
// selects an operation, plus `append` (ours). `list-type` and `select-type`
// are parameters of the operation their value refines.
constexpr std::string_view kSubresources[] = {
  "abac", "accelerate", "acl", "analytics", "append", "attributes", "cors", "delete",
  "encryption", "intelligent-tiering", "inventory", "legal-hold", "lifecycle", "location",
  "logging", "metadataConfiguration", "metadataInventoryTable", "metadataJournalTable",
  "metadataTable", "metrics", "notification", "object-lock", "ownershipControls", "policy",
  "policyStatus", "publicAccessBlock", "renameObject", "replication", "requestPayment",
  "restore", "retention", "select", "session", "tagging", "torrent", "uploadId", "uploads",
  "versioning", "versions", "website",
};

// Parameters: the list and part parameters, versionId, the response-*
// overrides, append's position, the SDKs' x-id hint, and presigned-URL
// authentication (SigV4 X-Amz-*, SigV2 AWSAccessKeyId/Signature/Expires).
constexpr std::string_view kParameters[] = {
  "bucket-region", "continuation-token", "delimiter", "encoding-type", "fetch-owner", "id",
  "key-marker", "list-type", "marker", "max-buckets", "max-directory-buckets", "max-keys",
  "max-parts", "max-uploads", "part-number-marker", "partNumber", "position", "prefix",
  "response-cache-control", "response-content-disposition", "response-content-encoding",
  "response-content-language", "response-content-type", "response-expires", "select-type",
  "start-after", "upload-id-marker", "version-id-marker", "versionId", "x-id",
  "AWSAccessKeyId", "Signature", "Expires",
};
constexpr std::string_view kAuthParameters[] = {
  "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires",
  "X-Amz-SignedHeaders", "X-Amz-Signature", "X-Amz-Security-Token", "X-Amz-Content-Sha256",
};

// The semantic request headers S3 documents. Exact names are looked up
// before prefixes ("x-amz-checksum-" catches algorithms we do not compute).
constexpr SemanticHeader kHeaders[] = {
  // name                                             prefix  group                  harmless value   ignorable on reads
  {"x-amz-acl",                                       false, kHdrAcl,               "",              false},
  {"x-amz-grant-",                                    true,  kHdrAcl,               "",              false},
  {"x-amz-tagging",                                   false, kHdrTagging,           "",              false},
  {"x-amz-storage-class",                             false, kHdrStorageClass,      "",              false},
  {"x-amz-checksum-crc32",                            false, kHdrChecksum,          "",              false},
  {"x-amz-checksum-crc32c",                           false, kHdrChecksum,          "",              false},
  {"x-amz-checksum-crc64nvme",                        false, kHdrChecksum,          "",              false},
  {"x-amz-checksum-sha1",                             false, kHdrChecksum,          "",              false},
  {"x-amz-checksum-sha256",                           false, kHdrChecksum,          "",              false},
  {"x-amz-sdk-checksum-algorithm",                    false, kHdrChecksum,          "",              false},
  {"x-amz-trailer",                                   false, kHdrChecksum,          "",              false},
  {"x-amz-checksum-algorithm",                        false, kHdrChecksumAlgorithm, "",              false},
  {"x-amz-checksum-mode",                             false, kHdrChecksumMode,      "",              false},
  {"x-amz-checksum-type",                             false, kHdrChecksumType,      "",              false},
  {"x-amz-checksum-",                                 true,  kHdrNone,              "",              false},
  {"x-amz-copy-source",                               false, kHdrCopySource,        "",              false},
  {"x-amz-copy-source-if-match",                      false, kHdrCopySource,        "",              false},
  {"x-amz-copy-source-if-none-match",                 false, kHdrCopySource,        "",              false},
  {"x-amz-copy-source-if-modified-since",             false, kHdrCopySource,        "",              false},
  {"x-amz-copy-source-if-unmodified-since",           false, kHdrCopySource,        "",              false},
  {"x-amz-copy-source-range",                         false, kHdrCopyRange,         "",              false},
  {"x-amz-metadata-directive",                        false, kHdrDirectives,        "",              false},
  {"x-amz-tagging-directive",                         false, kHdrDirectives,        "",              false},
  {"if-match",                                        false, kHdrIfMatch,           "",              true},
  {"if-none-match",                                   false, kHdrIfNoneMatch,       "",              true},
  {"if-modified-since",                               false, kHdrIfTime,            "",              true},
  {"if-unmodified-since",                             false, kHdrIfTime,            "",              true},
  {"x-amz-write-offset-bytes",                        false, kHdrWriteOffset,       "",              false},
  {"x-amz-object-attributes",                         false, kHdrObjectAttributes,  "",              false},
  {"x-amz-expected-bucket-owner",                     false, kHdrExpectedOwner,     "",              false},
  {"x-amz-source-expected-bucket-owner",              false, kHdrExpectedOwner,     "",              false},
  {"x-amz-object-lock-mode",                          false, kHdrObjectLock,        "",              false},
  {"x-amz-object-lock-retain-until-date",             false, kHdrObjectLock,        "",              false},
  {"x-amz-object-lock-legal-hold",                    false, kHdrObjectLock,        "",              false},
  {"x-amz-object-lock-",                              true,  kHdrNone,              "",              false},
  {"x-amz-bucket-object-lock-enabled",                false, kHdrBucketObjectLock,  "false",         false},
  {"x-amz-server-side-encryption",                    false, kHdrSse,               "",              false},
  {"x-amz-server-side-encryption-aws-kms-key-id",     false, kHdrSse,               "",              false},
  {"x-amz-server-side-encryption-context",            false, kHdrSse,               "",              false},
  {"x-amz-server-side-encryption-bucket-key-enabled", false, kHdrSse,               "",              false},
  {"x-amz-server-side-encryption-customer-algorithm", false, kHdrSseCustomer,       "",              false},
  {"x-amz-server-side-encryption-customer-key",       false, kHdrSseCustomer,       "",              false},
  {"x-amz-server-side-encryption-customer-key-md5",   false, kHdrSseCustomer,       "",              false},
  {"x-amz-copy-source-server-side-encryption-customer-algorithm", false, kHdrCopySourceSse, "",      false},
  {"x-amz-copy-source-server-side-encryption-customer-key", false, kHdrCopySourceSse, "",            false},
  {"x-amz-copy-source-server-side-encryption-customer-key-md5", false, kHdrCopySourceSse, "",        false},
  // Not done anywhere yet: dual-layer KMS and other encryption headers, the rest.
  {"x-amz-server-side-encryption",                    true,  kHdrNone,              "",              false},
  {"x-amz-copy-source-server-side-encryption-",       true,  kHdrNone,              "",              false},
  {"x-amz-bucket-object-lock-token",                  false, kHdrNone,              "",              false},
  {"x-amz-object-ownership",                          false, kHdrObjectOwnership,   "",              false},
  {"x-amz-bucket-namespace",                          false, kHdrNone,              "",              false},
  {"x-amz-website-redirect-location",                 false, kHdrNone,              "",              false},
  {"x-amz-request-payer",                             false, kHdrNone,              "",              false},
  {"x-amz-mfa",                                       false, kHdrNone,              "",              false},
  {"x-amz-if-match-last-modified-time",               false, kHdrDeleteConditions,  "",              false},
  {"x-amz-if-match-size",                             false, kHdrDeleteConditions,  "",              false},
  {"x-amz-if-match-",                                 true,  kHdrNone,              "",              false},
  {"x-amz-mp-object-size",                            false, kHdrNone,              "",              false},
  {"x-amz-max-parts",                                 false, kHdrPartPaging,        "",              false},
  {"x-amz-part-number-marker",                        false, kHdrPartPaging,        "",              false},
  {"x-amz-optional-object-attributes",                false, kHdrNone,              "",              false},
  {"x-amz-confirm-remove-self-bucket-access",         false, kHdrNone,              "",              false},
  {"x-amz-skip-destination-validation",               false, kHdrNone,              "",              false},
  {"x-amz-transition-default-minimum-object-size",    false, kHdrNone,              "",              false},
  {"x-amz-rename-source",                             true,  kHdrNone,              "",              false},
  {"x-amz-client-token",                              false, kHdrNone,              "",              false},
  {"x-amz-create-session-mode",                       false, kHdrNone,              "",              false},
  {"x-amz-request-route",                             false, kHdrNone,              "",              false},
  {"x-amz-request-token",                             false, kHdrNone,              "",              false},
  {"x-amz-fwd-",                                      true,  kHdrNone,              "",              false},
};
// clang-format on

const SemanticHeader* find_header(std::string_view name) {
  for (const auto& h : kHeaders) {
    if (!h.prefix && iequals(name, h.name)) return &h;
  }
  for (const auto& h : kHeaders) {
    if (h.prefix && istarts_with(name, h.name)) return &h;
  }
  return nullptr;
}

bool is_subresource(std::string_view name) {
  return std::find(std::begin(kSubresources), std::end(kSubresources), name) !=
         std::end(kSubresources);
}

Status not_implemented(std::string message) {
  return s3_status(S3Error::kNotImplemented, std::move(message));
}

// Whether `header: value` asks for something the route does not do.
bool refused(const SemanticHeader& h, std::string_view value, std::string_view method,
             uint32_t honoured) {
  if ((h.group & (honoured | kHdrEveryRoute)) != 0) return false;
  if (!h.harmless.empty() && iequals(value, h.harmless)) return false;
  if (h.ignorable_on_reads && (method == "GET" || method == "HEAD")) return false;
  return true;
}

}  // namespace

S3Level level_of(const S3Target& target) {
  return target.bucket.empty() ? S3Level::kService
         : target.key.empty()  ? S3Level::kBucket
                               : S3Level::kObject;
}

std::span<const S3Route> s3_routes() {
  return kRoutes;
}

std::span<const std::string_view> s3_subresources() {
  return kSubresources;
}

std::span<const SemanticHeader> s3_semantic_headers() {
  return kHeaders;
}

bool is_hoisted_header(std::string_view name) {
  return name.starts_with("x-amz-") && !is_s3_parameter(name);
}

bool is_s3_parameter(std::string_view name) {
  if (std::find(std::begin(kParameters), std::end(kParameters), name) != std::end(kParameters))
    return true;
  return std::any_of(std::begin(kAuthParameters), std::end(kAuthParameters),
                     [&](std::string_view p) { return iequals(p, name); });
}

Result<const S3Route*> match_route(std::string_view method, const S3Target& target,
                                   const http::HeaderList& headers) {
  if (method != "GET" && method != "HEAD" && method != "PUT" && method != "POST" &&
      method != "DELETE") {
    return s3_status(S3Error::kMethodNotAllowed,
                     "the specified method is not allowed against this resource");
  }
  const S3Level level = level_of(target);
  std::string_view subresource;
  for (const auto& [name, value] : target.query) {
    if (is_subresource(name)) {
      if (!subresource.empty() && subresource != name) {
        return not_implemented("a request with both ?" + std::string(subresource) + " and ?" +
                               name + " is not implemented");
      }
      subresource = name;
    } else if (!is_s3_parameter(name) && !is_hoisted_header(name)) {
      return not_implemented("the query parameter '" + name + "' is not implemented");
    }
  }
  bool copy_source = false;
  for (const auto& [name, value] : headers) {
    if (iequals(name, "x-amz-copy-source")) copy_source = true;
  }
  const S3Route* route = nullptr;
  for (const S3Route& r : kRoutes) {
    if (r.method == method && r.level == level && r.subresource == subresource &&
        (!r.copy_source || copy_source)) {
      route = &r;
      break;
    }
  }
  if (!route) {
    if (level == S3Level::kService) {
      return s3_status(S3Error::kMethodNotAllowed,
                       "the specified method is not allowed against this resource");
    }
    std::string what =
        std::string(method) + " " + (level == S3Level::kBucket ? "on a bucket" : "on an object");
    if (!subresource.empty()) what += " with ?" + std::string(subresource);
    return not_implemented(what + " is not implemented");
  }
  auto check = [&](const std::string& name, const std::string& value) -> Status {
    const SemanticHeader* h = find_header(name);
    if (!h || !refused(*h, value, method, route->headers)) return Status::ok();
    return not_implemented("the " + ascii_lower(name) + " header is not implemented for " +
                           std::string(route->operation));
  };
  for (const auto& [name, value] : headers) SKY_RETURN_IF_ERROR(check(name, value));
  for (const auto& [name, value] : target.query) {
    if (is_hoisted_header(name)) SKY_RETURN_IF_ERROR(check(name, value));
  }
  return route;
}

}  // namespace skyarray::s3
