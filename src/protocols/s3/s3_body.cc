#include "protocols/s3/s3_body.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>

#include "protocols/s3/s3_errors.h"

namespace skyarray::s3 {

Result<std::unique_ptr<RequestBody>> RequestBody::open(http::HttpRequest& request,
                                                       const auth::AuthResult& auth,
                                                       uint64_t max_bytes) {
  std::unique_ptr<RequestBody> body(new RequestBody(request, auth));
  bool chunked_transfer = false;
  if (auto te = request.header("transfer-encoding")) {
    chunked_transfer = te->find("chunked") != std::string_view::npos;
  }
  auto length = request.content_length();
  if (auth::is_streaming(auth.payload)) {
    auto decoded = request.header("x-amz-decoded-content-length");
    if (decoded) {
      uint64_t n = 0;
      auto [p, ec] = std::from_chars(decoded->data(), decoded->data() + decoded->size(), n);
      if (ec != std::errc() || p != decoded->data() + decoded->size()) {
        return s3_status(S3Error::kInvalidArgument,
                         "x-amz-decoded-content-length must be a number");
      }
      body->expected_size_ = n;
    } else if (!chunked_transfer && !length) {
      return s3_status(S3Error::kMissingContentLength,
                       "you must provide the Content-Length HTTP header");
    }
    std::optional<auth::ChunkSigner> signer;
    if (auth.payload != auth::PayloadMode::kStreamingUnsignedTrailer) signer.emplace(auth);
    body->decoder_ = std::make_unique<AwsChunkedDecoder>(
        std::move(signer), auth.payload == auth::PayloadMode::kStreamingSignedTrailer);
    body->decoder_->set_limits(max_bytes, body->expected_size_);
  } else {
    if (!length && !chunked_transfer) {
      if (request.method() == "PUT") {
        return s3_status(S3Error::kMissingContentLength,
                         "you must provide the Content-Length HTTP header");
      }
      body->expected_size_ = 0;
    } else if (length) {
      body->expected_size_ = *length;
    }
  }
  if (auth.payload == auth::PayloadMode::kSha256) {
    SKY_ASSIGN_OR_RETURN(body->sha256_, Checksum::create(ChecksumAlgorithm::kSha256));
  }
  return body;
}

Status RequestBody::finish() {
  if (decoder_) SKY_RETURN_IF_ERROR(decoder_->finish());
  if (sha256_) {
    std::string got = auth::hex(sha256_->finish());
    sha256_.reset();
    if (got != auth_.payload_sha256) {
      return s3_status(
          S3Error::kXAmzContentSHA256Mismatch,
          "the provided 'x-amz-content-sha256' header does not match what was computed");
    }
  }
  if (expected_size_ && bytes_ != *expected_size_) {
    return s3_status(S3Error::kIncompleteBody,
                     "you did not provide the number of bytes specified by the "
                     "Content-Length or x-amz-decoded-content-length header");
  }
  return Status::ok();
}

Task<Result<Buffer>> RequestBody::next(size_t max_bytes) {
  if (ended_) co_return Buffer();
  // Small bodies get small buffers; 64 KiB leaves room for aws-chunked framing.
  if (expected_size_ && *expected_size_ >= bytes_) {
    max_bytes = static_cast<size_t>(std::clamp<uint64_t>(
        *expected_size_ - bytes_ + 1, std::min<uint64_t>(64 << 10, max_bytes), max_bytes));
  }
  Buffer buf(max_bytes);
  while (buf.room() > 0) {
    size_t before = buf.size();
    Result<size_t> n = co_await request_.read_body(buf);
    if (!n.is_ok()) {
      Status s = n.status();
      if (s.code() == StatusCode::kTimeout) {
        co_return s3_status(S3Error::kRequestTimeout,
                            "Your socket connection to the server was not read from or written "
                            "to within the timeout period. Idle connections will be closed.");
      }
      if (s.code() == StatusCode::kCancelled) {
        co_return s3_status(S3Error::kIncompleteBody,
                            "the request body ended early: " + s.message());
      }
      co_return s;
    }
    if (*n == 0) {
      ended_ = true;
      break;
    }
    if (decoder_) {
      std::span<uint8_t> fresh(buf.data() + before, *n);
      Result<size_t> k = decoder_->decode(fresh);
      if (!k.is_ok()) co_return k.status();
      buf.resize(before + *k);
    }
  }
  if (sha256_ && !buf.empty()) sha256_->update(buf.data(), buf.size());
  bytes_ += buf.size();
  if (expected_size_ && bytes_ > *expected_size_) {
    co_return s3_status(S3Error::kInvalidArgument, "the body is longer than its declared length");
  }
  if (ended_) {
    Status s = finish();
    if (!s.is_ok()) co_return s;
    if (buf.empty()) co_return Buffer();
  }
  co_return buf;
}

std::vector<std::pair<std::string, std::string>> RequestBody::trailers() const {
  if (!decoder_) return {};
  return decoder_->trailers();
}

Task<Result<Buffer>> ReaderSource::read(size_t max_bytes) {
  Result<Buffer> got = co_await reader_->read(max_bytes);
  if (!got.is_ok()) {
    log_failure(got.status());
  } else {
    sent_ += got->size();
  }
  co_return got;
}

Task<Result<BodyPiece>> ReaderSource::read_piece(size_t max_bytes) {
  Result<BodyPiece> got = co_await reader_->read_piece(max_bytes);
  if (!got.is_ok()) {
    log_failure(got.status());
  } else {
    sent_ += got->size();
  }
  co_return got;
}

void ReaderSource::log_failure(const Status& s) const {
  spdlog::error("s3 GET {}: the object's data could not be read at byte {} of the response{}: {}",
                what_, sent_, sent_ == 0 ? " (answered with an error)" : " (connection closed)",
                s.to_string());
}

}  // namespace skyarray::s3
