// SigV4: AWS Signature Version 4 verification and signing primitives, shared
// by every AWS-signed front end (S3, the admin API) and the clients that sign
// (the cloud tier's S3 client, the admin CLI).
//
// Verification is two-phase so the secret lookup (a metadata read) can be
// asynchronous and this code stays pure and fuzzable:
//   1. parse_auth(request) → AuthRequest: which form of auth, access key id,
//      scope, signed headers and the signature, or an S3 error
//      (AuthorizationHeaderMalformed, AuthorizationQueryParametersError,
//      SigV2 refused with InvalidRequest, AccessDenied for anonymous).
//   2. verify(auth, request, secret, now) → AuthResult: recomputes the
//      canonical request exactly as AWS documents it and compares the
//      signature in constant time; checks the clock skew (±15 minutes →
//      RequestTimeTooSkewed), presigned expiry (AccessDenied "Request has
//      expired"), and the payload mode announced by x-amz-content-sha256.
//
// Payload modes (x-amz-content-sha256):
//   <hex sha256>                                  body must hash to it (checked by the caller
//                                                 while streaming: XAmzContentSHA256Mismatch)
//   UNSIGNED-PAYLOAD                              body not covered (also every presigned URL)
//   STREAMING-AWS4-HMAC-SHA256-PAYLOAD            aws-chunked, each chunk signed (ChunkSigner)
//   STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER    same, plus a signed trailer
//   STREAMING-UNSIGNED-PAYLOAD-TRAILER            aws-chunked, unsigned, with a trailer
//
// Canonical URI: the request path is percent-decoded once and re-encoded with
// AWS's rules (unreserved A-Za-z0-9-._~ kept, '/' kept, everything else %XX
// upper case), as S3 does (no double encoding).
//
// Thread safety: free functions and value types; ChunkSigner is used by one
// request at a time.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/checksum.h"  // hmac_sha256
#include "common/status.h"

namespace skyarray::auth {

using QueryList = std::vector<std::pair<std::string, std::string>>;  // decoded
using HeaderPairs = std::vector<std::pair<std::string, std::string>>;

inline constexpr std::string_view kEmptySha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
inline constexpr std::chrono::seconds kMaxClockSkew{15 * 60};
inline constexpr int64_t kMaxPresignedExpiry = 7 * 24 * 3600;

// The pieces of an HTTP request that SigV4 covers.
struct SignableRequest {
  std::string method;
  std::string raw_path;  // as sent, still percent-encoded, without the query
  QueryList query;       // decoded, in arrival order
  HeaderPairs headers;   // names as sent
};

enum class AuthKind : uint8_t { kAnonymous, kHeader, kPresigned };
// kV2 only from sigv2.h's parse_sigv2(); parse_auth() refuses SigV2.
enum class SignatureVersion : uint8_t { kV4, kV2 };

enum class PayloadMode : uint8_t {
  kSha256,                    // payload_hash holds the expected hex SHA-256
  kUnsigned,                  // UNSIGNED-PAYLOAD
  kStreamingSigned,           // STREAMING-AWS4-HMAC-SHA256-PAYLOAD
  kStreamingSignedTrailer,    // STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER
  kStreamingUnsignedTrailer,  // STREAMING-UNSIGNED-PAYLOAD-TRAILER
};

bool is_streaming(PayloadMode mode);
bool has_trailer(PayloadMode mode);

struct AuthRequest {
  AuthKind kind = AuthKind::kAnonymous;
  SignatureVersion version = SignatureVersion::kV4;
  std::string access_key;
  std::string date;  // YYYYMMDD from the credential scope
  std::string region;
  std::string service;                      // "s3"
  std::vector<std::string> signed_headers;  // lower case, as listed
  std::string signature;                    // lower-case hex
  std::string amz_date;                     // YYYYMMDDTHHMMSSZ
  int64_t expires_seconds = 0;              // presigned only (SigV2: absolute Unix seconds)
  PayloadMode payload = PayloadMode::kUnsigned;
  std::string payload_hash;  // the x-amz-content-sha256 value (or UNSIGNED-PAYLOAD)

  std::string scope() const;  // date/region/service/aws4_request
};

// Phase 1. Anonymous requests parse to kind kAnonymous (the caller decides).
Result<AuthRequest> parse_auth(const SignableRequest& request);

struct AuthResult {
  std::string access_key;
  AuthKind kind = AuthKind::kAnonymous;  // kAnonymous: no signature
  SignatureVersion version = SignatureVersion::kV4;
  PayloadMode payload = PayloadMode::kUnsigned;
  std::string payload_sha256;  // hex, for kSha256
  // For streaming modes: what ChunkSigner needs.
  std::string signing_key;  // raw 32 bytes
  std::string seed_signature;
  std::string amz_date;
  std::string scope;
};

// Phase 2. `secret` is the secret access key of auth.access_key.
Result<AuthResult> verify(const AuthRequest& auth, const SignableRequest& request,
                          std::string_view secret, std::chrono::system_clock::time_point now);

// Verifies the chain of chunk signatures of an aws-chunked body.
class ChunkSigner {
 public:
  explicit ChunkSigner(const AuthResult& auth)
      : signing_key_(auth.signing_key),
        previous_(auth.seed_signature),
        amz_date_(auth.amz_date),
        scope_(auth.scope) {}
  // `data_sha256_hex` is the hex SHA-256 of the chunk's data. On success the
  // signature becomes the previous one for the next chunk.
  Status verify_chunk(std::string_view data_sha256_hex, std::string_view signature);
  // `canonical_trailers` is "name:value\n" for each trailer, in order sent.
  Status verify_trailer(std::string_view canonical_trailers, std::string_view signature);

 private:
  std::string signing_key_;
  std::string previous_;
  std::string amz_date_;
  std::string scope_;
};

// ---- building blocks (exposed for tests, the client signer and fuzzing)

// The first header named `name` (any case) / query parameter (exact name).
std::optional<std::string_view> find_header(const HeaderPairs& headers, std::string_view name);
std::optional<std::string_view> find_query(const QueryList& query, std::string_view name);
// The mode an x-amz-content-sha256 value announces; InvalidArgument for
// anything else.
Result<PayloadMode> parse_payload_mode(std::string_view value);

// AWS URI encoding; '/' kept when !encode_slash.
std::string uri_encode(std::string_view s, bool encode_slash);
// Decodes %XX; '+' is kept literally (S3 clients encode space as %20).
// Fails on a malformed escape.
Result<std::string> percent_decode(std::string_view s);
// Splits a raw query string into decoded (name, value) pairs.
Result<QueryList> parse_query(std::string_view raw_query);

std::string canonical_request(const SignableRequest& request,
                              const std::vector<std::string>& signed_headers,
                              std::string_view payload_hash, bool presigned);
std::string string_to_sign(std::string_view amz_date, std::string_view scope,
                           std::string_view canonical_request);
std::string signing_key(std::string_view secret, std::string_view date, std::string_view region,
                        std::string_view service);
using skyarray::hmac_sha256;                // common/checksum.h
std::string sha256(std::string_view data);  // raw 32 bytes
std::string hex(std::string_view raw);
// Constant-time equality for signatures.
bool constant_time_equals(std::string_view a, std::string_view b);
// Parses "20130524T000000Z".
std::optional<std::chrono::system_clock::time_point> parse_amz_date(std::string_view s);
std::string format_amz_date(std::chrono::system_clock::time_point t);

}  // namespace skyarray::auth
