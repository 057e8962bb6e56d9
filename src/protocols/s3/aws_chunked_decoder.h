// AwsChunkedDecoder: a streaming parser for `Content-Encoding: aws-chunked`
// bodies (SigV4 streaming uploads), which modern SDKs send by default.
//
// Wire format (S3 API reference, "sigv4-streaming"), after any HTTP chunked
// transfer coding has been removed:
//
//   chunk   = hex-size [ ";chunk-signature=" 64HEX ] CRLF data CRLF
//   last    = "0" [ ";chunk-signature=" 64HEX ] CRLF
//   trailer = *( name ":" value CRLF ) [ "x-amz-trailer-signature:" 64HEX CRLF ]
//   body    = *chunk last [ trailer ] [ CRLF ]
//
// Signed modes verify every chunk signature (auth::ChunkSigner), and the trailer
// signature in the signed-trailer mode. Data is handed on as it arrives,
// before its chunk's signature is checked: the caller must treat the object as
// uncommitted until finish() returns OK (which it does only when the last
// chunk and the trailer verified).
//
// Limits: a chunk header or trailer line longer than 4 KiB, more than 16
// trailer lines, or a chunk larger than 1 GiB fail with InvalidArgument /
// IncompleteBody; nothing is buffered beyond one header line.
//
// Thread safety: one instance per request, used by one coroutine.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "common/checksum.h"
#include "common/status.h"
#include "protocols/auth/sigv4.h"

namespace skyarray::s3 {

class AwsChunkedDecoder {
 public:
  // `signer` is set for the signed modes; `signed_trailer` when the trailer
  // carries x-amz-trailer-signature (STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER).
  AwsChunkedDecoder(std::optional<auth::ChunkSigner> signer, bool signed_trailer);
  ~AwsChunkedDecoder();

  // Refuses, on its size line, a chunk that would take the payload past
  // `max_bytes` (EntityTooLarge) or past `declared` (the request's
  // x-amz-decoded-content-length; InvalidArgument). The client is answered
  // as soon as it announces the chunk, not after sending it, nor after an
  // I/O timeout when it waits for an answer before sending more.
  void set_limits(uint64_t max_bytes, std::optional<uint64_t> declared) {
    max_bytes_ = max_bytes;
    declared_ = declared;
  }

  // Decodes `data` in place: the payload bytes found in it are moved to its
  // front and their count returned (always <= data.size()). Errors are sticky.
  Result<size_t> decode(std::span<uint8_t> data);

  // True once the final chunk and trailer have been read.
  bool done() const { return state_ == State::kDone; }
  // Call at the end of the input: fails with IncompleteBody unless done().
  Status finish() const;

  // Trailer fields received (names lower-cased), e.g. {"x-amz-checksum-crc32", "..."}.
  const std::vector<std::pair<std::string, std::string>>& trailers() const { return trailers_; }
  uint64_t decoded_bytes() const { return decoded_; }

 private:
  enum class State : uint8_t { kSize, kData, kDataCrlf, kTrailer, kDone, kFailed };
  Status on_size_line(std::string_view line);
  Status on_trailer_line(std::string_view line);
  Status finish_chunk();
  Status fail(Status s);

  std::optional<auth::ChunkSigner> signer_;
  bool signed_trailer_;
  State state_ = State::kSize;
  std::string line_;        // partial header/trailer line
  uint64_t remaining_ = 0;  // data bytes left in the current chunk
  bool last_chunk_ = false;
  std::string chunk_signature_;
  std::unique_ptr<Checksum> chunk_hash_;  // SHA-256 of the current chunk (signed modes)
  std::vector<std::pair<std::string, std::string>> trailers_;
  std::string canonical_trailers_;
  std::string trailer_signature_;
  uint64_t decoded_ = 0;
  uint64_t max_bytes_ = UINT64_MAX;
  std::optional<uint64_t> declared_;
  Status error_;
};

}  // namespace skyarray::s3
