// Status and Result<T>: how every layer reports an expected failure.
//
// Errors are values (see STYLE.md): a function that can fail returns Status,
// or Result<T> when it also produces a value. Exceptions never cross a layer.
// Each protocol maps a StatusCode to its own wire error in exactly one table
// (S3 error code, NFS status, SCSI sense, DICOM status); the code therefore
// says *what kind* of failure happened, and the message says which thing
// failed, for people.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace skyarray {

enum class StatusCode : uint8_t {
  kOk = 0,
  kInvalidArgument,     // the request is malformed or a value is out of its domain
  kNotFound,            // a named thing does not exist
  kBucketNotFound,      // the container (bucket/share/volume) does not exist
  kAlreadyExists,       // creation collided with an existing thing
  kNotEmpty,            // a container still holds things
  kPreconditionFailed,  // a conditional request's condition is false
  kNotModified,         // conditional read: the reader's copy is current
  kConflict,            // concurrent modification; retrying may succeed
  kOutOfRange,          // offset/range beyond the end
  kTooLarge,            // size beyond a configured or protocol limit
  kTooSmall,            // size below a protocol minimum (e.g. multipart part)
  kUnauthenticated,     // no or unknown credentials
  kSignatureMismatch,   // credentials known, signature wrong
  kPermissionDenied,    // authenticated but not allowed
  kReadOnly,            // target refuses writes (subscriber, read-only drive)
  kNoSpace,             // capacity reserve reached; nothing was written
  kCorruption,          // stored data failed its checksum
  kBadDigest,           // data received does not match the digest the client sent
  kIOError,             // the OS reported an I/O failure
  kUnavailable,         // a dependency (drive, cloud) is down; retry later
  kTimeout,             // a deadline passed
  kCancelled,           // shutdown or client went away
  kNotSupported,        // a valid request for something we do not implement
  kInternal,            // a bug: an invariant did not hold
  // Object service codes (services/objects); each maps to one S3 error.
  kNoSuchUpload,             // multipart upload id unknown, completed or aborted
  kNoSuchVersion,            // the named object version does not exist
  kInvalidPart,              // a listed part is missing or its ETag differs
  kInvalidPartOrder,         // parts not listed in ascending order
  kPositionMismatch,         // append/write offset differs from the current length
  kInvalidBucketName,        // the bucket name breaks the naming rules
  kBucketAlreadyOwnedByYou,  // create of a bucket the caller already owns
  kMethodNotAllowed,         // operation not valid on this target (a delete marker)
  // Encryption at rest (services/security/key_store.h).
  kKeyUnavailable,  // an encryption key is unknown or disabled: nothing sealed or opened
};

std::string_view status_code_name(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok() { return Status(); }
  static Status invalid_argument(std::string m) {
    return {StatusCode::kInvalidArgument, std::move(m)};
  }
  static Status not_found(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status already_exists(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
  static Status io_error(std::string m) { return {StatusCode::kIOError, std::move(m)}; }
  static Status corruption(std::string m) { return {StatusCode::kCorruption, std::move(m)}; }
  static Status no_space(std::string m) { return {StatusCode::kNoSpace, std::move(m)}; }
  static Status internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }
  static Status not_supported(std::string m) { return {StatusCode::kNotSupported, std::move(m)}; }
  static Status permission_denied(std::string m) {
    return {StatusCode::kPermissionDenied, std::move(m)};
  }
  static Status unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
  // errno-based I/O failure: "<what>: <strerror(err)>", code chosen from errno
  // (ENOSPC → kNoSpace, EROFS → kReadOnly, ENOENT → kNotFound, else kIOError).
  static Status from_errno(int err, std::string_view what);

  bool is_ok() const { return code_ == StatusCode::kOk; }
  explicit operator bool() const { return is_ok(); }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "NotFound: bucket 'x' does not exist"
  std::string to_string() const;

  // Adds context to a failure: "opening drive d1: IOError: ..." stays readable
  // as the error climbs layers. No-op on OK.
  Status with_context(std::string_view context) const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// A value or the Status explaining why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {  // NOLINT: implicit by design
    if (std::get<Status>(v_).is_ok()) {
      v_ = Status::internal("Result built from OK status");
    }
  }

  bool is_ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return is_ok(); }

  // Precondition: is_ok().
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  // OK when a value is present.
  Status status() const { return is_ok() ? Status() : std::get<Status>(v_); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace skyarray

// Returns the Status of `expr` from the enclosing function when it failed.
#define SKY_RETURN_IF_ERROR(expr)            \
  do {                                       \
    ::skyarray::Status sky_status_ = (expr); \
    if (!sky_status_.is_ok()) {              \
      return sky_status_;                    \
    }                                        \
  } while (0)

// Same, for coroutines returning an awaitable<Status>.
#define SKY_CO_RETURN_IF_ERROR(expr)         \
  do {                                       \
    ::skyarray::Status sky_status_ = (expr); \
    if (!sky_status_.is_ok()) {              \
      co_return sky_status_;                 \
    }                                        \
  } while (0)

#define SKY_CONCAT_INNER_(a, b) a##b
#define SKY_CONCAT_(a, b) SKY_CONCAT_INNER_(a, b)
// Declares `lhs` from a Result<T> expression, or returns its Status.
#define SKY_ASSIGN_OR_RETURN(lhs, expr)                 \
  auto SKY_CONCAT_(sky_result_, __LINE__) = (expr);     \
  if (!SKY_CONCAT_(sky_result_, __LINE__).is_ok()) {    \
    return SKY_CONCAT_(sky_result_, __LINE__).status(); \
  }                                                     \
  lhs = std::move(SKY_CONCAT_(sky_result_, __LINE__)).value()  // NOLINT(bugprone-macro-parentheses)

#define SKY_CO_ASSIGN_OR_RETURN(lhs, expr)                 \
  auto SKY_CONCAT_(sky_result_, __LINE__) = (expr);        \
  if (!SKY_CONCAT_(sky_result_, __LINE__).is_ok()) {       \
    co_return SKY_CONCAT_(sky_result_, __LINE__).status(); \
  }                                                        \
  lhs = std::move(SKY_CONCAT_(sky_result_, __LINE__)).value()  // NOLINT(bugprone-macro-parentheses)
