// Checksums of object and chunk data.
//
// Two uses (see DESIGN.md, "Integrity"):
//   - the store protects every checksum block of every chunk with CRC32C and
//     calls crc32c() directly;
//   - the S3 front end computes the ETag (MD5) and the flexible checksum a
//     client asked for while the body streams, through Checksum, and combines
//     part CRCs into a full-object CRC with the *_combine() functions.
//
// Digest bytes: Checksum::finish() returns the raw digest, CRCs big-endian,
// which is what S3 puts base64-encoded in x-amz-checksum-<name> (see
// common/encoding.h). MD5/SHA come from OpenSSL 3, CRC32 and CRC32C from
// ISA-L, CRC64-NVME from common/crc64_nvme.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/crc64_nvme.h"
#include "common/status.h"

namespace skyarray {

enum class ChecksumAlgorithm : uint8_t { kCrc32, kCrc32c, kCrc64Nvme, kSha1, kSha256, kMd5 };

// S3's spelling: "CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256", "MD5".
std::string_view checksum_algorithm_name(ChecksumAlgorithm algorithm);
// Inverse of checksum_algorithm_name(), ignoring ASCII case; nullopt for
// anything else.
std::optional<ChecksumAlgorithm> parse_checksum_algorithm(std::string_view name);
// Size in bytes of the digest: 4, 4, 8, 20, 32, 16.
size_t checksum_digest_size(ChecksumAlgorithm algorithm);

// A streaming checksum: update() any number of times (including none), then
// finish() once; the object must not be used after finish() except to be
// destroyed. Splitting the data differently across update() calls never
// changes the result. One instance is not thread-safe; distinct instances
// are independent.
class Checksum {
 public:
  // Fails with kNotSupported when OpenSSL cannot provide the digest (e.g. MD5
  // under a FIPS-only configuration). CRCs never fail.
  static Result<std::unique_ptr<Checksum>> create(ChecksumAlgorithm algorithm);

  virtual ~Checksum() = default;
  Checksum(const Checksum&) = delete;
  Checksum& operator=(const Checksum&) = delete;

  virtual void update(const void* data, size_t n) = 0;
  void update(std::string_view data) { update(data.data(), data.size()); }
  // The raw digest, digest_size() bytes; CRCs big-endian.
  virtual std::string finish() = 0;

  ChecksumAlgorithm algorithm() const { return algorithm_; }
  size_t digest_size() const { return checksum_digest_size(algorithm_); }

 protected:
  explicit Checksum(ChecksumAlgorithm algorithm) : algorithm_(algorithm) {}

 private:
  ChecksumAlgorithm algorithm_;
};

// One-call CRCs. Each returns the finished CRC of the bytes `crc` already
// covers followed by data[0, n): start with crc = 0, and
// crcX(crcX(0, a), b) == crcX(0, a + b). Thread-safe, any alignment, any n.
//
// CRC32C (Castagnoli, iSCSI; check value 0xE3069283).
uint32_t crc32c(uint32_t crc, const void* data, size_t n);
// CRC32 as in gzip, zlib and S3's CRC32 (IEEE 802.3, reflected; check
// value 0xCBF43926).
uint32_t crc32(uint32_t crc, const void* data, size_t n);
// crc64_nvme() is declared in common/crc64_nvme.h.

// CRC of a + b from crc1 = CRC(a), crc2 = CRC(b) and len2 = size of b, without
// the data: how S3 builds a full-object CRC from multipart part CRCs. Cost is
// one polynomial multiplication per bit set in len2, plus one: 0.1-0.2 us for
// a power-of-two part size, 5 us at worst (len2 = 2^64 - 1). Thread-safe.
uint32_t crc32c_combine(uint32_t crc1, uint32_t crc2, uint64_t len2);
uint32_t crc32_combine(uint32_t crc1, uint32_t crc2, uint64_t len2);
uint64_t crc64_nvme_combine(uint64_t crc1, uint64_t crc2, uint64_t len2);

// HMAC-SHA256 of `data` under `key`: 32 raw bytes (SigV4 signing, key
// derivation). Thread-safe.
std::string hmac_sha256(std::string_view key, std::string_view data);

}  // namespace skyarray
