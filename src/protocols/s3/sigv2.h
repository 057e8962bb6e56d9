// SigV2: AWS Signature Version 2 (HMAC-SHA1) verification for the S3 front
// end, for the legacy PACS, backup and archive software that still signs
// this way (and awscli v1's `aws s3 presign`). Switched by `[s3] sigv2`.
//
// Two forms, as AWS documents them ("Signing and authenticating REST
// requests", S3 API reference):
//   header  Authorization: AWS <AccessKeyId>:<Signature>
//           request time from x-amz-date if sent, else Date (RFC 1123, RFC 850
//           or asctime); ±15 minutes of the server's clock (RequestTimeTooSkewed)
//   query   ?AWSAccessKeyId=<id>&Expires=<Unix seconds>&Signature=<sig>
//           refused once Expires has passed (AccessDenied "Request has
//           expired"); no upper bound on Expires, as in S3
//
// Signature = base64(HMAC-SHA1(secret, StringToSign)), compared in constant
// time, where
//   StringToSign = Verb "\n" Content-MD5 "\n" Content-Type "\n" Date "\n"
//                  CanonicalizedAmzHeaders CanonicalizedResource
//   Date         the Date header; "" when x-amz-date is sent; Expires for
//                the query form
//   CanonicalizedAmzHeaders
//                every x-amz-* header: name lower case, values trimmed and
//                joined by ',', sorted by name, "name:value\n" each. In the
//                query form x-amz-* (and Content-Type / Content-MD5) query
//                parameters count as headers: botocore's presigner moves
//                them there.
//   CanonicalizedResource
//                "/" + bucket when the bucket is addressed by the Host header
//                (virtual-hosted style), then the path as sent (still
//                percent-encoded; a bucket alone is "/bucket/"), then the signed subresources
//                present in the query (kSignedSubresources, names exact), sorted by name,
//                "?name[=decoded value]&...": a parameter sent without
//                '=' is signed without it.
//
// The body is not signed (Content-MD5 is, and the write path checks it).
// x-amz-content-sha256, if sent, is honoured as with SigV4 (a hex SHA-256
// is checked while streaming); the signed aws-chunked modes need SigV4 and
// are refused.
//
// Thread safety: free functions on value types.
#pragma once

#include <chrono>
#include <span>
#include <string>
#include <string_view>

#include "common/status.h"
#include "protocols/auth/sigv4.h"

namespace skyarray::s3 {

// Subresources and response overrides that SigV2 signs: AWS's documented
// list and the ones botocore's HmacV1 signer adds.
std::span<const std::string_view> sigv2_signed_subresources();
// Query parameters that carry the SigV2 query form itself.
bool is_sigv2_auth_parameter(std::string_view name);

// Whether the request is signed with SigV2 (either form).
bool is_sigv2(const auth::SignableRequest& request);

// Phase 1, as auth::parse_auth() for SigV4: kind kHeader or kPresigned,
// access_key, signature (base64, as sent), payload; amz_date holds the
// request time (header form) and expires_seconds the absolute Expires (Unix
// seconds, query form). With `enabled` false every SigV2 request is refused
// as S3 refuses a disabled scheme (InvalidRequest).
Result<auth::AuthRequest> parse_sigv2(const auth::SignableRequest& request, bool enabled);

// Phase 2. `canonical_resource` from sigv2_canonical_resource(). On success
// the auth::AuthResult carries version kV2 and the payload mode.
Result<auth::AuthResult> verify_sigv2(const auth::AuthRequest& auth,
                                      const auth::SignableRequest& request,
                                      std::string_view canonical_resource, std::string_view secret,
                                      std::chrono::system_clock::time_point now);

// ---- building blocks (exposed for tests and fuzzing)

// `virtual_bucket`: the bucket named by the Host header, empty for path
// style. `raw_path` and `raw_query` as sent.
std::string sigv2_canonical_resource(std::string_view virtual_bucket, std::string_view raw_path,
                                     std::string_view raw_query);
std::string sigv2_string_to_sign(const auth::SignableRequest& request, bool presigned,
                                 std::string_view canonical_resource);
std::string hmac_sha1(std::string_view key, std::string_view data);

}  // namespace skyarray::s3
