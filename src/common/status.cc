#include "common/status.h"

#include <cerrno>
#include <cstring>

namespace skyarray {

std::string_view status_code_name(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return "OK";
    case StatusCode::kInvalidArgument:
      return "InvalidArgument";
    case StatusCode::kNotFound:
      return "NotFound";
    case StatusCode::kBucketNotFound:
      return "BucketNotFound";
    case StatusCode::kAlreadyExists:
      return "AlreadyExists";
    case StatusCode::kNotEmpty:
      return "NotEmpty";
    case StatusCode::kPreconditionFailed:
      return "PreconditionFailed";
    case StatusCode::kNotModified:
      return "NotModified";
    case StatusCode::kConflict:
      return "Conflict";
    case StatusCode::kOutOfRange:
      return "OutOfRange";
    case StatusCode::kTooLarge:
      return "TooLarge";
    case StatusCode::kTooSmall:
      return "TooSmall";
    case StatusCode::kUnauthenticated:
      return "Unauthenticated";
    case StatusCode::kSignatureMismatch:
      return "SignatureMismatch";
    case StatusCode::kPermissionDenied:
      return "PermissionDenied";
    case StatusCode::kReadOnly:
      return "ReadOnly";
    case StatusCode::kNoSpace:
      return "NoSpace";
    case StatusCode::kCorruption:
      return "Corruption";
    case StatusCode::kBadDigest:
      return "BadDigest";
    case StatusCode::kIOError:
      return "IOError";
    case StatusCode::kUnavailable:
      return "Unavailable";
    case StatusCode::kTimeout:
      return "Timeout";
    case StatusCode::kCancelled:
      return "Cancelled";
    case StatusCode::kNotSupported:
      return "NotSupported";
    case StatusCode::kInternal:
      return "Internal";
    case StatusCode::kNoSuchUpload:
      return "NoSuchUpload";
    case StatusCode::kNoSuchVersion:
      return "NoSuchVersion";
    case StatusCode::kInvalidPart:
      return "InvalidPart";
    case StatusCode::kInvalidPartOrder:
      return "InvalidPartOrder";
    case StatusCode::kPositionMismatch:
      return "PositionMismatch";
    case StatusCode::kInvalidBucketName:
      return "InvalidBucketName";
    case StatusCode::kBucketAlreadyOwnedByYou:
      return "BucketAlreadyOwnedByYou";
    case StatusCode::kMethodNotAllowed:
      return "MethodNotAllowed";
    case StatusCode::kKeyUnavailable:
      return "KeyUnavailable";
  }
  return "Unknown";
}

Status Status::from_errno(int err, std::string_view what) {
  StatusCode code = StatusCode::kIOError;
  switch (err) {
    case ENOSPC:
    case EDQUOT:
      code = StatusCode::kNoSpace;
      break;
    case EROFS:
      code = StatusCode::kReadOnly;
      break;
    case ENOENT:
      code = StatusCode::kNotFound;
      break;
    case EACCES:
    case EPERM:
      code = StatusCode::kPermissionDenied;
      break;
    case EEXIST:
      code = StatusCode::kAlreadyExists;
      break;
    case ENOTEMPTY:
      code = StatusCode::kNotEmpty;
      break;
    default:
      break;
  }
  std::string message(what);
  message += ": ";
  message += std::strerror(err);
  return Status(code, std::move(message));
}

std::string Status::to_string() const {
  if (is_ok()) return "OK";
  std::string s(status_code_name(code_));
  if (!message_.empty()) {
    s += ": ";
    s += message_;
  }
  return s;
}

Status Status::with_context(std::string_view context) const {
  if (is_ok()) return *this;
  std::string m(context);
  m += ": ";
  m += message_;
  return Status(code_, std::move(m));
}

}  // namespace skyarray
