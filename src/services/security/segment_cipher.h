// SegmentCipher: AES-256-GCM over a byte stream cut into fixed-size
// segments, each sealed on its own, so that a range of the stream is opened
// by reading only the segments it touches.
//
// Segment i is stored as its ciphertext followed by a 16-byte tag, the
// segments back to back, under
//   nonce = 4-byte prefix | big-endian i
//   AAD   = aad prefix | big-endian i | last flag (1 byte)
// The stream's last segment (shorter than the others, or empty for an empty
// stream) carries the last flag, so a stream cut at a segment boundary fails
// authentication, as do reordered, swapped or altered segments.
//
// A key and nonce prefix pair seals one stream only (GCM breaks when one
// nonce seals two plaintexts): callers give every stream a fresh random key
// or prefix. Used by the cloud tier's client-side encryption and by
// encryption at rest (services/objects/object_sse.h).
//
// Keys and plaintext never appear in errors. Not thread-safe: it keeps one
// OpenSSL context; use one per stream and coroutine.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace skyarray::services {

class SegmentCipher {
 public:
  static constexpr uint64_t kSegmentSize = 64 << 10;
  static constexpr uint64_t kTagSize = 16;
  static constexpr size_t kKeySize = 32;
  static constexpr size_t kNoncePrefixSize = 4;

  // `name` names the stream in error messages (an object key, never a
  // secret). kInvalidArgument for a key or prefix of the wrong size.
  static Result<SegmentCipher> create(std::string key, std::string nonce_prefix,
                                      std::string aad_prefix, std::string name);
  ~SegmentCipher();
  SegmentCipher(SegmentCipher&&) noexcept;
  SegmentCipher& operator=(SegmentCipher&&) noexcept;

  // Appends segment `index` of `plain` (at most one segment) sealed to `out`.
  Status seal(uint64_t index, bool last, std::string_view plain, std::string* out);
  // Appends the plaintext of sealed segment `index` to `out`; kCorruption
  // (and `out` unchanged) when it fails authentication.
  Status open(uint64_t index, bool last, std::string_view sealed, std::string* out);

  // Segments of a `plain`-byte stream (an empty stream has one, empty).
  static uint64_t segment_count(uint64_t plain, uint64_t segment_size = kSegmentSize);
  // Sealed bytes of a `plain`-byte stream.
  static uint64_t sealed_size(uint64_t plain, uint64_t segment_size = kSegmentSize);
  // Inverse of sealed_size(); kCorruption when no plaintext size maps to
  // `sealed`.
  static Result<uint64_t> plain_size(uint64_t sealed, uint64_t segment_size = kSegmentSize);

 private:
  struct Context;
  SegmentCipher(std::string key, std::string nonce_prefix, std::string aad_prefix,
                std::string name);
  Status run(bool encrypt, uint64_t index, bool last, std::string_view in, std::string* out);

  std::string key_, nonce_prefix_, aad_prefix_, name_;
  std::unique_ptr<Context> ctx_;
};

}  // namespace skyarray::services
