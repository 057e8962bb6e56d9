// S3Route: the one table of the S3 requests this front end serves.
//
// Every request is matched here before anything else looks at it (after
// authentication, before authorization and before its body is read):
//
//   1. Its query is split into subresources (names that select an operation:
//      `?acl`, `?uploads`, `?retention`...) and parameters (`prefix`,
//      `versionId`, `partNumber`, presigned-URL auth...). A query name that
//      is neither is refused, so an unknown subresource is never taken for a
//      parameter and served as a plain GetObject/PutObject. Lower-case
//      x-amz-* query names are headers a presigner hoisted (see below).
//   2. (method, level, subresource, x-amz-copy-source present) selects one
//      row of kS3Routes. No row: 501 NotImplemented (405 MethodNotAllowed
//      for a method S3 does not have, or any method but GET on the service).
//   3. Each semantic request header (one that changes what is stored or
//      returned: encryption, object lock, ACL grants, tagging, checksums,
//      conditions...) belongs to a HeaderGroup; the row names the groups its
//      handler honours. A header of any other group is refused with 501
//      NotImplemented naming it, never ignored. Headers outside the catalog
//      (HTTP framing, signing, x-amz-meta-*, Content-*) are not semantic
//      beyond what the handlers already read.
//
// A refused request changes nothing: no handler runs and no body byte is
// read (the HTTP server closes the connection after a lingering drain).
//
// The table also carries each operation's IAM action, used by authorize().
// Adding an operation means adding its row here and nothing in dispatch.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "common/async.h"
#include "common/status.h"
#include "protocols/http/http_message.h"
#include "protocols/s3/s3_api.h"
#include "protocols/s3/s3_request.h"

namespace skyarray::s3 {

struct S3Context;

enum class S3Level : uint8_t { kService, kBucket, kObject };

S3Level level_of(const S3Target& target);

// Groups of semantic request headers (bit flags). A route honours a group
// when its handler reads every header of it and does what S3 documents.
enum HeaderGroup : uint32_t {
  kHdrNone = 0,                     // a header no route honours: always refused
  kHdrAcl = 1u << 0,                // x-amz-acl, x-amz-grant-*
  kHdrTagging = 1u << 1,            // x-amz-tagging
  kHdrStorageClass = 1u << 2,       // x-amz-storage-class
  kHdrChecksum = 1u << 3,           // x-amz-checksum-<alg>, -sdk-checksum-algorithm, -trailer
  kHdrChecksumAlgorithm = 1u << 4,  // x-amz-checksum-algorithm (multipart: of the parts)
  kHdrChecksumMode = 1u << 5,       // x-amz-checksum-mode
  kHdrCopySource = 1u << 6,         // x-amz-copy-source, x-amz-copy-source-if-*
  kHdrCopyRange = 1u << 7,          // x-amz-copy-source-range
  kHdrDirectives = 1u << 8,         // x-amz-metadata-directive, x-amz-tagging-directive
  kHdrIfMatch = 1u << 9,            // If-Match
  kHdrIfNoneMatch = 1u << 10,       // If-None-Match
  kHdrIfTime = 1u << 11,            // If-Modified-Since, If-Unmodified-Since
  kHdrWriteOffset = 1u << 12,       // x-amz-write-offset-bytes
  kHdrObjectAttributes = 1u << 13,  // x-amz-object-attributes
  kHdrExpectedOwner = 1u << 14,     // x-amz-expected-bucket-owner, x-amz-source-expected-...
  kHdrChecksumType = 1u << 15,      // x-amz-checksum-type (multipart: COMPOSITE / FULL_OBJECT)
  kHdrDeleteConditions = 1u << 16,  // x-amz-if-match-last-modified-time, x-amz-if-match-size
  kHdrPartPaging = 1u << 17,        // x-amz-max-parts, x-amz-part-number-marker
  kHdrObjectOwnership = 1u << 18,   // x-amz-object-ownership (CreateBucket)
  kHdrObjectLock = 1u << 19,        // x-amz-object-lock-mode, -retain-until-date, -legal-hold
  kHdrBucketObjectLock = 1u << 20,  // x-amz-bucket-object-lock-enabled (CreateBucket)
  kHdrSse = 1u << 21,               // x-amz-server-side-encryption, -aws-kms-key-id, -context, ...
  kHdrSseCustomer = 1u << 22,       // x-amz-server-side-encryption-customer-* (SSE-C key)
  kHdrCopySourceSse = 1u << 23,     // x-amz-copy-source-server-side-encryption-customer-*
};

// Groups every route honours: the expected bucket owner is checked by
// authorize() for every request on a bucket (service-level requests and
// CreateBucket have no owner to compare; S3 defines it on neither).
inline constexpr uint32_t kHdrEveryRoute = kHdrExpectedOwner;

// A handler: route_to<&Room::handler> (s3_api_impl.h) calls a member of
// one of S3Api::Impl's handler rooms.
using S3Handler = Task<http::HttpResponse> (*)(S3Api::Impl&, S3Context&);

struct S3Route {
  std::string_view method;
  S3Level level;
  std::string_view subresource;  // the query name that selects the row; "" = none
  bool copy_source;              // selected only when x-amz-copy-source is present
  std::string_view operation;    // AWS's name, for logs and tests
  S3Handler handler;
  std::string_view action;          // IAM action authorize() asks for
  std::string_view version_action;  // ... when a versionId is given ("" = same)
  uint32_t headers;                 // HeaderGroups honoured
};

// The rows, in matching order.
std::span<const S3Route> s3_routes();

// The S3 subresource names AWS documents (every one, served or not).
std::span<const std::string_view> s3_subresources();
// Query parameters that are not subresources and that handlers or the
// signature verifier read (exact names; X-Amz-* auth ones any case).
bool is_s3_parameter(std::string_view name);
// A lower-case "x-amz-..." query name that is not an auth parameter: a
// header a presigner (the AWS SDK for JavaScript, for one) moved into the
// query string. S3 treats it as that header; so do we (S3Api::Impl::handle
// adds it to the request's headers) and match_route checks it as one.
bool is_hoisted_header(std::string_view name);

// A semantic request header: `name` exact, or a prefix when it ends in '-'
// and `prefix` is set. `harmless` is a value that asks for what we do anyway
// (e.g. x-amz-bucket-object-lock-enabled: false); ignored, not refused.
struct SemanticHeader {
  std::string_view name;
  bool prefix;
  HeaderGroup group;
  std::string_view harmless;
  // Conditional headers on a GET/HEAD route that does not evaluate them:
  // the full answer is what an unconditional request gets, so ignoring them
  // neither changes nor hides anything.
  bool ignorable_on_reads;
};
std::span<const SemanticHeader> s3_semantic_headers();

// Matches a request. The route, or the S3 error to answer (NotImplemented,
// MethodNotAllowed) naming what is not implemented.
Result<const S3Route*> match_route(std::string_view method, const S3Target& target,
                                   const http::HeaderList& headers);

}  // namespace skyarray::s3
