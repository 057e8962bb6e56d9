// SealingBlobWriter: a BlobWriter that encrypts one run of an encrypted
// version (object_sse.h) on its way to the store's writer. The digests it
// reports (MD5, the S3 checksums asked for) are of the plaintext, as S3's
// ETag and checksums are; the blob it reports holds the sealed bytes, so
// its size is SegmentCipher::sealed_size() of what was written.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/checksum.h"
#include "services/security/segment_cipher.h"
#include "store/blob_store.h"

namespace skyarray::services {

class SealingBlobWriter final : public BlobWriter {
 public:
  // `options` say which digests to compute over the plaintext. A failed
  // `cipher` fails every write and finish().
  SealingBlobWriter(std::unique_ptr<BlobWriter> inner, Result<SegmentCipher> cipher,
                    const WriteOptions& options);

  Task<Status> write(Buffer data) override;
  Task<Result<WrittenBlob>> finish() override;
  Task<void> abort() override;
  // Plaintext bytes taken.
  uint64_t bytes_written() const override { return plain_bytes_; }

 private:
  // Seals the buffered plaintext's whole segments (and, when `last`, the
  // rest as the last segment) and hands them to the inner writer.
  Task<Status> seal_buffered(bool last);
  void digest(std::string_view plain);

  std::unique_ptr<BlobWriter> inner_;
  std::optional<SegmentCipher> cipher_;
  std::unique_ptr<Checksum> md5_;
  std::vector<std::unique_ptr<Checksum>> sums_;
  std::string pending_;  // plaintext not sealed yet (under one segment after each write)
  uint64_t next_segment_ = 0;
  uint64_t plain_bytes_ = 0;
  Status setup_;
};

}  // namespace skyarray::services
