#include "protocols/s3/s3_errors.h"

#include <array>

namespace skyarray::s3 {

namespace {

struct Row {
  S3Error error;
  std::string_view name;
  unsigned http;
  StatusCode code;  // the generic meaning, for logs and non-S3 callers
};

// clang-format off
constexpr std::array<Row, static_cast<size_t>(S3Error::kCount)> kTable{{
  {S3Error::kAccessDenied,                  "AccessDenied",                  403, StatusCode::kPermissionDenied},
  {S3Error::kAuthorizationHeaderMalformed,  "AuthorizationHeaderMalformed",  400, StatusCode::kUnauthenticated},
  {S3Error::kAuthorizationQueryParametersError, "AuthorizationQueryParametersError", 400, StatusCode::kUnauthenticated},
  {S3Error::kBadDigest,                     "BadDigest",                     400, StatusCode::kBadDigest},
  {S3Error::kBucketAlreadyExists,           "BucketAlreadyExists",           409, StatusCode::kAlreadyExists},
  {S3Error::kBucketAlreadyOwnedByYou,       "BucketAlreadyOwnedByYou",       409, StatusCode::kAlreadyExists},
  {S3Error::kBucketNotEmpty,                "BucketNotEmpty",                409, StatusCode::kNotEmpty},
  {S3Error::kEntityTooLarge,                "EntityTooLarge",                400, StatusCode::kTooLarge},
  {S3Error::kEntityTooSmall,                "EntityTooSmall",                400, StatusCode::kTooSmall},
  {S3Error::kIncompleteBody,                "IncompleteBody",                400, StatusCode::kInvalidArgument},
  {S3Error::kInternalError,                 "InternalError",                 500, StatusCode::kInternal},
  {S3Error::kInvalidAccessKeyId,            "InvalidAccessKeyId",            403, StatusCode::kUnauthenticated},
  {S3Error::kInvalidArgument,               "InvalidArgument",               400, StatusCode::kInvalidArgument},
  {S3Error::kInvalidBucketName,             "InvalidBucketName",             400, StatusCode::kInvalidArgument},
  {S3Error::kInvalidDigest,                 "InvalidDigest",                 400, StatusCode::kInvalidArgument},
  {S3Error::kInvalidObjectState,            "InvalidObjectState",            403, StatusCode::kUnavailable},
  {S3Error::kInvalidPart,                   "InvalidPart",                   400, StatusCode::kInvalidArgument},
  {S3Error::kInvalidPartOrder,              "InvalidPartOrder",              400, StatusCode::kInvalidArgument},
  {S3Error::kInvalidRange,                  "InvalidRange",                  416, StatusCode::kOutOfRange},
  {S3Error::kInvalidRequest,                "InvalidRequest",                400, StatusCode::kInvalidArgument},
  {S3Error::kInvalidStorageClass,           "InvalidStorageClass",           400, StatusCode::kInvalidArgument},
  {S3Error::kInvalidTag,                    "InvalidTag",                    400, StatusCode::kInvalidArgument},
  {S3Error::kKeyTooLongError,               "KeyTooLongError",               400, StatusCode::kTooLarge},
  {S3Error::kMalformedXML,                  "MalformedXML",                  400, StatusCode::kInvalidArgument},
  {S3Error::kMetadataTooLarge,              "MetadataTooLarge",              400, StatusCode::kTooLarge},
  {S3Error::kMethodNotAllowed,              "MethodNotAllowed",              405, StatusCode::kNotSupported},
  {S3Error::kMissingContentLength,          "MissingContentLength",          411, StatusCode::kInvalidArgument},
  {S3Error::kMissingSecurityHeader,         "MissingSecurityHeader",         400, StatusCode::kInvalidArgument},
  {S3Error::kNoSuchBucket,                  "NoSuchBucket",                  404, StatusCode::kBucketNotFound},
  {S3Error::kNoSuchCORSConfiguration,       "NoSuchCORSConfiguration",       404, StatusCode::kNotFound},
  {S3Error::kNoSuchKey,                     "NoSuchKey",                     404, StatusCode::kNotFound},
  {S3Error::kNoSuchTagSet,                  "NoSuchTagSet",                  404, StatusCode::kNotFound},
  {S3Error::kNoSuchUpload,                  "NoSuchUpload",                  404, StatusCode::kNotFound},
  {S3Error::kNoSuchVersion,                 "NoSuchVersion",                 404, StatusCode::kNotFound},
  {S3Error::kNotImplemented,                "NotImplemented",                501, StatusCode::kNotSupported},
  {S3Error::kNotModified,                   "NotModified",                   304, StatusCode::kNotModified},
  {S3Error::kPositionNotEqualToLength,      "PositionNotEqualToLength",      409, StatusCode::kConflict},
  {S3Error::kPreconditionFailed,            "PreconditionFailed",            412, StatusCode::kPreconditionFailed},
  {S3Error::kRequestTimeout,                "RequestTimeout",                400, StatusCode::kTimeout},
  {S3Error::kRequestTimeTooSkewed,          "RequestTimeTooSkewed",          403, StatusCode::kUnauthenticated},
  {S3Error::kServiceUnavailable,            "ServiceUnavailable",            503, StatusCode::kUnavailable},
  {S3Error::kSignatureDoesNotMatch,         "SignatureDoesNotMatch",         403, StatusCode::kSignatureMismatch},
  {S3Error::kSlowDown,                      "SlowDown",                      503, StatusCode::kUnavailable},
  {S3Error::kXAmzContentSHA256Mismatch,     "XAmzContentSHA256Mismatch",     400, StatusCode::kBadDigest},
  {S3Error::kConditionalRequestConflict,    "ConditionalRequestConflict",    409, StatusCode::kConflict},
  {S3Error::kInsufficientStorage,           "InsufficientStorage",           507, StatusCode::kNoSpace},
  {S3Error::kMalformedPolicy,               "MalformedPolicy",               400, StatusCode::kInvalidArgument},
  {S3Error::kNoSuchBucketPolicy,            "NoSuchBucketPolicy",            404, StatusCode::kNotFound},
  {S3Error::kMalformedACLError,             "MalformedACLError",             400, StatusCode::kInvalidArgument},
  {S3Error::kUnresolvableGrantByEmailAddress, "UnresolvableGrantByEmailAddress", 400, StatusCode::kInvalidArgument},
  {S3Error::kInvalidPartNumber,             "InvalidPartNumber",             416, StatusCode::kOutOfRange},
  {S3Error::kAccessControlListNotSupported, "AccessControlListNotSupported", 400, StatusCode::kInvalidArgument},
  {S3Error::kInvalidBucketAclWithObjectOwnership, "InvalidBucketAclWithObjectOwnership", 400, StatusCode::kInvalidArgument},
  {S3Error::kNoSuchPublicAccessBlockConfiguration, "NoSuchPublicAccessBlockConfiguration", 404, StatusCode::kNotFound},
  {S3Error::kOwnershipControlsNotFoundError, "OwnershipControlsNotFoundError", 404, StatusCode::kNotFound},
  {S3Error::kInvalidPolicyDocument,         "InvalidPolicyDocument",         400, StatusCode::kInvalidArgument},
  {S3Error::kMalformedPOSTRequest,          "MalformedPOSTRequest",          400, StatusCode::kInvalidArgument},
  {S3Error::kInvalidBucketState,            "InvalidBucketState",            409, StatusCode::kConflict},
  {S3Error::kObjectLockConfigurationNotFoundError, "ObjectLockConfigurationNotFoundError", 404, StatusCode::kNotFound},
  {S3Error::kNoSuchObjectLockConfiguration, "NoSuchObjectLockConfiguration", 404, StatusCode::kNotFound},
  {S3Error::kNoSuchLifecycleConfiguration,  "NoSuchLifecycleConfiguration",  404, StatusCode::kNotFound},
  {S3Error::kKmsDisabled,                   "KMS.DisabledException",         400, StatusCode::kKeyUnavailable},
  {S3Error::kServerSideEncryptionConfigurationNotFoundError, "ServerSideEncryptionConfigurationNotFoundError", 404, StatusCode::kNotFound},
}};
// clang-format on

constexpr bool table_in_order() {
  for (size_t i = 0; i < kTable.size(); ++i) {
    if (static_cast<size_t>(kTable[i].error) != i) return false;
  }
  return true;
}
static_assert(table_in_order(), "kTable rows must follow the S3Error enum order");

const Row& row(S3Error e) {
  return kTable[static_cast<size_t>(e)];
}

// The generic StatusCode → S3 error mapping, for failures reported by services.
S3Error from_status_code(StatusCode code, Subject subject) {
  switch (code) {
    case StatusCode::kOk:
    case StatusCode::kInternal:
      return S3Error::kInternalError;
    case StatusCode::kInvalidArgument:
      return S3Error::kInvalidArgument;
    case StatusCode::kNotFound:
      switch (subject) {
        case Subject::kBucket:
          return S3Error::kNoSuchBucket;
        case Subject::kUpload:
          return S3Error::kNoSuchUpload;
        case Subject::kObject:
          return S3Error::kNoSuchKey;
      }
      return S3Error::kNoSuchKey;
    case StatusCode::kBucketNotFound:
      return S3Error::kNoSuchBucket;
    case StatusCode::kAlreadyExists:
      return S3Error::kBucketAlreadyExists;
    case StatusCode::kNotEmpty:
      return S3Error::kBucketNotEmpty;
    case StatusCode::kPreconditionFailed:
      return S3Error::kPreconditionFailed;
    case StatusCode::kNotModified:
      return S3Error::kNotModified;
    case StatusCode::kConflict:
      return S3Error::kConditionalRequestConflict;
    case StatusCode::kOutOfRange:
      return S3Error::kInvalidRange;
    case StatusCode::kTooLarge:
      return S3Error::kEntityTooLarge;
    case StatusCode::kTooSmall:
      return S3Error::kEntityTooSmall;
    case StatusCode::kUnauthenticated:
      return S3Error::kInvalidAccessKeyId;
    case StatusCode::kSignatureMismatch:
      return S3Error::kSignatureDoesNotMatch;
    case StatusCode::kPermissionDenied:
    case StatusCode::kReadOnly:
      return S3Error::kAccessDenied;
    case StatusCode::kNoSpace:
      return S3Error::kInsufficientStorage;
    case StatusCode::kBadDigest:
      return S3Error::kBadDigest;
    case StatusCode::kTimeout:
      return S3Error::kRequestTimeout;
    case StatusCode::kCancelled:
      return S3Error::kIncompleteBody;
    case StatusCode::kNotSupported:
      return S3Error::kNotImplemented;
    case StatusCode::kCorruption:
    case StatusCode::kIOError:
      return S3Error::kInternalError;
    case StatusCode::kUnavailable:
      return S3Error::kServiceUnavailable;
    case StatusCode::kNoSuchUpload:
      return S3Error::kNoSuchUpload;
    case StatusCode::kNoSuchVersion:
      return S3Error::kNoSuchVersion;
    case StatusCode::kInvalidPart:
      return S3Error::kInvalidPart;
    case StatusCode::kInvalidPartOrder:
      return S3Error::kInvalidPartOrder;
    case StatusCode::kPositionMismatch:
      return S3Error::kPositionNotEqualToLength;
    case StatusCode::kInvalidBucketName:
      return S3Error::kInvalidBucketName;
    case StatusCode::kBucketAlreadyOwnedByYou:
      return S3Error::kBucketAlreadyOwnedByYou;
    case StatusCode::kMethodNotAllowed:
      return S3Error::kMethodNotAllowed;
    case StatusCode::kKeyUnavailable:
      return S3Error::kKmsDisabled;
  }
  return S3Error::kInternalError;
}

}  // namespace

Status s3_status(S3Error error, std::string message) {
  const Row& r = row(error);
  return Status(r.code, "[" + std::string(r.name) + "] " + message);
}

S3ErrorInfo to_s3_error(const Status& s, Subject subject) {
  const std::string& m = s.message();
  if (m.size() > 2 && m[0] == '[') {
    auto close = m.find("] ");
    if (close != std::string::npos) {
      std::string_view tag(m.data() + 1, close - 1);
      for (const Row& r : kTable) {
        if (r.name == tag) return {r.name, r.http, m.substr(close + 2)};
      }
    }
  }
  const Row& r = row(from_status_code(s.code(), subject));
  if (s.code() == StatusCode::kNoSpace) {
    // The client needs to know what is full. kNoSpace messages name it
    // (a drive by id, the metadata volume, "no drive has room") without
    // paths; one that still carries a path (an ENOSPC from the OS that no
    // layer rephrased) gets a generic text.
    if (!m.empty() && m.find('/') == std::string::npos) return {r.name, r.http, m};
    return {r.name, r.http, "The array is out of storage space."};
  }
  // Internal details (paths, errno text) stay in our logs, not in responses;
  // lost data is said plainly, as retrying will not help.
  std::string message = m;
  if (s.code() == StatusCode::kCorruption) {
    message = "the stored data failed its checksum on every replica and cannot be served";
  } else if (r.http >= 500) {
    message = "We encountered an internal error. Please try again.";
  }
  return {r.name, r.http, std::move(message)};
}

S3ErrorInfo to_s3_error(const Status& s) {
  return to_s3_error(s, Subject::kObject);
}

std::string_view s3_error_name(S3Error error) {
  return row(error).name;
}
unsigned s3_error_http_status(S3Error error) {
  return row(error).http;
}

}  // namespace skyarray::s3
