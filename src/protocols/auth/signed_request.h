// verify_signed_request: the whole SigV4 check of a request whose body has
// been read, for the HTTP doors that are not S3 (the admin API, DICOMweb):
// signature (header or presigned URL) against the access key's secret, and
// the body against x-amz-content-sha256 when that is signed. Streaming
// (aws-chunked) payloads are refused: those doors take small bodies whole.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "common/async.h"
#include "common/status.h"
#include "common/time.h"
#include "protocols/auth/sigv4.h"

namespace skyarray::auth {

// Who owns an access key, as the door's key store knows it.
struct KeyOwner {
  std::string secret;
  std::string user_id;
  bool root = false;
};

// The owner of `access_key`; an error (kUnauthenticated for an unknown key)
// when there is none.
using KeyLookup = std::function<Task<Result<KeyOwner>>(const std::string& access_key)>;

// The request as signatures see it: `target` is the raw request-target
// (path still percent-encoded, query split and decoded). kInvalidArgument
// for a malformed query.
Result<SignableRequest> signable_request(std::string method, std::string_view target,
                                         HeaderPairs headers);

// The key's owner when the request is signed and intact. kUnauthenticated:
// unsigned or unknown key; kSignatureMismatch: wrong signature or expired
// presigned URL; kBadDigest: the body is not the signed one;
// kInvalidArgument: a streaming payload.
Task<Result<KeyOwner>> verify_signed_request(const SignableRequest& request, std::string_view body,
                                             const KeyLookup& lookup, Timestamp now);

}  // namespace skyarray::auth
