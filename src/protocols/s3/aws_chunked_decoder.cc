#include "protocols/s3/aws_chunked_decoder.h"

#include <charconv>
#include <cstring>

#include "common/ascii.h"
#include "protocols/s3/s3_errors.h"

namespace skyarray::s3 {

namespace {

constexpr size_t kMaxLine = 4096;
constexpr size_t kMaxTrailers = 16;
constexpr uint64_t kMaxChunk = 1ull << 30;

Status malformed(std::string what) {
  return s3_status(S3Error::kInvalidArgument, "malformed aws-chunked body: " + what);
}

}  // namespace

AwsChunkedDecoder::AwsChunkedDecoder(std::optional<auth::ChunkSigner> signer, bool signed_trailer)
    : signer_(std::move(signer)), signed_trailer_(signed_trailer) {}

AwsChunkedDecoder::~AwsChunkedDecoder() = default;

Status AwsChunkedDecoder::fail(Status s) {
  state_ = State::kFailed;
  error_ = s;
  return s;
}

Status AwsChunkedDecoder::on_size_line(std::string_view line) {
  std::string_view size_part = line.substr(0, line.find(';'));
  size_part = trim(size_part);
  uint64_t size = 0;
  auto [p, ec] = std::from_chars(size_part.data(), size_part.data() + size_part.size(), size, 16);
  if (size_part.empty() || ec != std::errc() || p != size_part.data() + size_part.size()) {
    return malformed("bad chunk size line");
  }
  if (size > kMaxChunk) return malformed("chunk larger than 1 GiB");
  if (size > max_bytes_ - std::min(decoded_, max_bytes_)) {
    return s3_status(S3Error::kEntityTooLarge,
                     "your proposed upload exceeds the maximum allowed size (a chunk of " +
                         std::to_string(size) + " bytes)");
  }
  if (declared_ && size > *declared_ - std::min(decoded_, *declared_)) {
    return s3_status(S3Error::kInvalidArgument,
                     "an aws-chunked chunk goes past x-amz-decoded-content-length");
  }
  chunk_signature_.clear();
  size_t semi = line.find(';');
  while (semi != std::string_view::npos) {
    std::string_view ext = line.substr(semi + 1);
    size_t next = ext.find(';');
    std::string_view item = trim(ext.substr(0, next));
    semi = next == std::string_view::npos ? next : semi + 1 + next;
    constexpr std::string_view kSig = "chunk-signature=";
    if (item.substr(0, kSig.size()) == kSig)
      chunk_signature_ = std::string(item.substr(kSig.size()));
  }
  if (signer_ && chunk_signature_.empty()) return malformed("chunk without chunk-signature");
  remaining_ = size;
  last_chunk_ = size == 0;
  if (signer_) {
    auto h = Checksum::create(ChecksumAlgorithm::kSha256);
    if (!h.is_ok()) return h.status();
    chunk_hash_ = std::move(*h);
  }
  if (last_chunk_) {
    SKY_RETURN_IF_ERROR(finish_chunk());
    state_ = State::kTrailer;
  } else {
    state_ = State::kData;
  }
  return Status::ok();
}

Status AwsChunkedDecoder::finish_chunk() {
  if (!signer_) return Status::ok();
  std::string digest = chunk_hash_->finish();
  chunk_hash_.reset();
  return signer_->verify_chunk(auth::hex(digest), chunk_signature_);
}

Status AwsChunkedDecoder::on_trailer_line(std::string_view line) {
  if (line.empty()) {
    if (signed_trailer_) {
      if (trailer_signature_.empty()) return malformed("trailer without x-amz-trailer-signature");
      SKY_RETURN_IF_ERROR(signer_->verify_trailer(canonical_trailers_, trailer_signature_));
    }
    state_ = State::kDone;
    return Status::ok();
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) return malformed("bad trailer line");
  std::string name = ascii_lower(trim(line.substr(0, colon)));
  std::string value(trim(line.substr(colon + 1)));
  if (name == "x-amz-trailer-signature") {
    trailer_signature_ = value;
    return Status::ok();
  }
  if (!trailer_signature_.empty()) return malformed("trailer field after its signature");
  if (trailers_.size() >= kMaxTrailers) return malformed("too many trailer fields");
  canonical_trailers_ += name + ":" + value + "\n";
  trailers_.emplace_back(std::move(name), std::move(value));
  return Status::ok();
}

Result<size_t> AwsChunkedDecoder::decode(std::span<uint8_t> data) {
  if (state_ == State::kFailed) return error_;
  size_t in = 0, out = 0;
  while (in < data.size()) {
    switch (state_) {
      case State::kData: {
        size_t n = static_cast<size_t>(std::min<uint64_t>(remaining_, data.size() - in));
        if (out != in) std::memmove(data.data() + out, data.data() + in, n);
        if (chunk_hash_) chunk_hash_->update(data.data() + out, n);
        in += n;
        out += n;
        remaining_ -= n;
        decoded_ += n;
        if (remaining_ == 0) state_ = State::kDataCrlf;
        break;
      }
      case State::kSize:
      case State::kDataCrlf:
      case State::kTrailer: {
        uint8_t c = data[in++];
        if (c != '\n') {
          if (line_.size() >= kMaxLine) return fail(malformed("header line too long"));
          line_ += static_cast<char>(c);
          break;
        }
        std::string line = std::move(line_);
        line_.clear();
        if (!line.empty() && line.back() == '\r') line.pop_back();
        Status s;
        if (state_ == State::kSize) {
          s = on_size_line(line);
        } else if (state_ == State::kDataCrlf) {
          if (!line.empty()) {
            s = malformed("chunk data longer than its declared size");
          } else {
            s = finish_chunk();
            state_ = State::kSize;
          }
        } else {
          s = on_trailer_line(line);
        }
        if (!s.is_ok()) return fail(s);
        break;
      }
      case State::kDone:
        // Bytes after the end: tolerated only as blank line padding.
        if (data[in] != '\r' && data[in] != '\n')
          return fail(malformed("data after the final chunk"));
        ++in;
        break;
      case State::kFailed:
        return error_;
    }
  }
  return out;
}

Status AwsChunkedDecoder::finish() const {
  if (state_ == State::kFailed) return error_;
  if (state_ == State::kDone) return Status::ok();
  // Some clients end the body right after the last trailer line, without the
  // closing blank line; accept that when nothing more was expected.
  if (state_ == State::kTrailer && line_.empty() && !signed_trailer_) return Status::ok();
  return s3_status(S3Error::kIncompleteBody, "the aws-chunked body ended before its final chunk");
}

}  // namespace skyarray::s3
