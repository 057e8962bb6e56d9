// S3 error codes: the ONE table that maps a StatusCode (or an S3-specific
// failure found by the front end itself) to an S3 error code and HTTP status.
//
// Services report failures as Status with a StatusCode; to_s3_error() maps the
// code through the table. Failures that only the S3 layer can name (an
// expired presigned URL, a skewed clock, MalformedXML) are built with
// s3_status(S3Error::kX, message): the Status then carries both a generic
// StatusCode (for logs and other layers) and the exact S3 code, tagged at the
// start of the message as "[Code] ". Nothing else in protocols/s3 invents an
// error code or an HTTP status for an error.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace skyarray::s3 {

enum class S3Error : uint8_t {
  kAccessDenied,
  kAuthorizationHeaderMalformed,
  kAuthorizationQueryParametersError,
  kBadDigest,
  kBucketAlreadyExists,
  kBucketAlreadyOwnedByYou,
  kBucketNotEmpty,
  kEntityTooLarge,
  kEntityTooSmall,
  kIncompleteBody,
  kInternalError,
  kInvalidAccessKeyId,
  kInvalidArgument,
  kInvalidBucketName,
  kInvalidDigest,
  kInvalidObjectState,
  kInvalidPart,
  kInvalidPartOrder,
  kInvalidRange,
  kInvalidRequest,
  kInvalidStorageClass,
  kInvalidTag,
  kKeyTooLongError,
  kMalformedXML,
  kMetadataTooLarge,
  kMethodNotAllowed,
  kMissingContentLength,
  kMissingSecurityHeader,
  kNoSuchBucket,
  kNoSuchCORSConfiguration,
  kNoSuchKey,
  kNoSuchTagSet,
  kNoSuchUpload,
  kNoSuchVersion,
  kNotImplemented,
  kNotModified,
  kPositionNotEqualToLength,
  kPreconditionFailed,
  kRequestTimeout,
  kRequestTimeTooSkewed,
  kServiceUnavailable,
  kSignatureDoesNotMatch,
  kSlowDown,
  kXAmzContentSHA256Mismatch,
  kConditionalRequestConflict,
  kInsufficientStorage,
  kMalformedPolicy,
  kNoSuchBucketPolicy,
  kMalformedACLError,
  kUnresolvableGrantByEmailAddress,
  kInvalidPartNumber,
  kAccessControlListNotSupported,
  kInvalidBucketAclWithObjectOwnership,
  kNoSuchPublicAccessBlockConfiguration,
  kOwnershipControlsNotFoundError,
  kInvalidPolicyDocument,
  kMalformedPOSTRequest,
  kInvalidBucketState,
  kObjectLockConfigurationNotFoundError,
  kNoSuchObjectLockConfiguration,
  kNoSuchLifecycleConfiguration,
  kKmsDisabled,
  kServerSideEncryptionConfigurationNotFoundError,
  kCount,  // not an error
};

struct S3ErrorInfo {
  std::string_view code;  // "NoSuchKey"
  unsigned http_status;   // 404
  std::string message;    // for people
};

// A Status carrying an exact S3 error.
Status s3_status(S3Error error, std::string message);

// The S3 error a failed Status becomes on the wire. Precondition: !s.is_ok().
S3ErrorInfo to_s3_error(const Status& s);
// Same, with the generic meaning of a not-found adjusted to what was looked up:
// kNotFound on an object request → NoSuchKey, on an upload → NoSuchUpload.
enum class Subject : uint8_t { kBucket, kObject, kUpload };
S3ErrorInfo to_s3_error(const Status& s, Subject subject);

std::string_view s3_error_name(S3Error error);
unsigned s3_error_http_status(S3Error error);

}  // namespace skyarray::s3
