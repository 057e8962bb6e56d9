// Request and response bodies of the S3 front end.
//
// RequestBody turns an HTTP request body into the object's bytes, streaming:
// it removes the aws-chunked framing (verifying chunk and trailer signatures),
// checks x-amz-content-sha256 for signed single-chunk payloads
// (XAmzContentSHA256Mismatch) and the announced decoded length
// (IncompleteBody), and collects trailers. It never holds more than one
// Buffer of the body.
//
// ReaderSource adapts an ObjectReader to the HTTP server's BodySource, so a
// GET streams from the store to the socket Buffer by Buffer, no copy.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/buffer.h"
#include "common/checksum.h"
#include "protocols/auth/sigv4.h"
#include "protocols/http/http_message.h"
#include "protocols/s3/aws_chunked_decoder.h"
#include "services/objects/object_service.h"

namespace skyarray::s3 {

class RequestBody {
 public:
  // Fails with MissingContentLength, InvalidArgument (bad
  // x-amz-decoded-content-length) before any byte is read. An aws-chunked
  // chunk announced past `max_bytes` fails next() with EntityTooLarge when
  // its size line arrives (the caller still checks expected_size() and
  // bytes() against its own limit).
  static Result<std::unique_ptr<RequestBody>> open(http::HttpRequest& request,
                                                   const auth::AuthResult& auth,
                                                   uint64_t max_bytes = UINT64_MAX);

  // The decoded payload length when known up front (Content-Length or
  // x-amz-decoded-content-length).
  std::optional<uint64_t> expected_size() const { return expected_size_; }

  // The next piece of payload, up to `max_bytes`; an empty Buffer at the end,
  // after every end-of-body check passed.
  Task<Result<Buffer>> next(size_t max_bytes = 1 << 20);

  // Trailer fields (after the end), names lower-case.
  std::vector<std::pair<std::string, std::string>> trailers() const;
  uint64_t bytes() const { return bytes_; }

 private:
  RequestBody(http::HttpRequest& request, const auth::AuthResult& auth)
      : request_(request), auth_(auth) {}
  Status finish();

  http::HttpRequest& request_;
  auth::AuthResult auth_;
  std::optional<uint64_t> expected_size_;
  std::unique_ptr<AwsChunkedDecoder> decoder_;
  std::unique_ptr<Checksum> sha256_;  // for auth::PayloadMode::kSha256
  uint64_t bytes_ = 0;
  bool ended_ = false;
};

// A read failure is logged with the object's name (`what`: "bucket/key
// version v") and the bytes already handed on: after the first byte the
// server can only close the connection, and the log is where an operator
// learns which object could not be served.
class ReaderSource final : public http::BodySource {
 public:
  ReaderSource(std::unique_ptr<services::ObjectReader> reader, std::string what)
      : reader_(std::move(reader)), what_(std::move(what)) {}
  Task<Result<Buffer>> read(size_t max_bytes) override;
  Task<Result<BodyPiece>> read_piece(size_t max_bytes) override;

 private:
  void log_failure(const Status& s) const;

  std::unique_ptr<services::ObjectReader> reader_;
  std::string what_;
  uint64_t sent_ = 0;
};

}  // namespace skyarray::s3
