// SealingBlobWriter: plaintext in, sealed segments to the store
// (sealing_blob_writer.h).
#include "services/objects/sealing_blob_writer.h"

namespace skyarray::services {

namespace {
// Sealed bytes go to the store in pieces of about this size.
constexpr size_t kBatch = 16 * SegmentCipher::kSegmentSize;
}  // namespace

SealingBlobWriter::SealingBlobWriter(std::unique_ptr<BlobWriter> inner,
                                     Result<SegmentCipher> cipher, const WriteOptions& options)
    : inner_(std::move(inner)) {
  if (cipher.is_ok()) {
    cipher_.emplace(std::move(*cipher));
  } else {
    setup_ = cipher.status();
  }
  if (options.compute_md5) {
    auto md5 = Checksum::create(ChecksumAlgorithm::kMd5);
    if (md5.is_ok()) {
      md5_ = std::move(*md5);
    } else {
      setup_ = md5.status();
    }
  }
  for (ChecksumAlgorithm alg : options.checksums) {
    auto sum = Checksum::create(alg);
    if (!sum.is_ok()) {
      setup_ = sum.status();
      continue;
    }
    sums_.push_back(std::move(*sum));
  }
}

void SealingBlobWriter::digest(std::string_view plain) {
  if (md5_) md5_->update(plain);
  for (auto& s : sums_) s->update(plain);
}

Task<Status> SealingBlobWriter::write(Buffer data) {
  SKY_CO_RETURN_IF_ERROR(setup_);
  plain_bytes_ += data.size();
  digest(data.view());
  pending_.append(data.view());
  if (pending_.size() < kBatch) co_return Status::ok();
  co_return co_await seal_buffered(false);
}

Task<Status> SealingBlobWriter::seal_buffered(bool last) {
  const uint64_t seg = SegmentCipher::kSegmentSize;
  // The tail (up to one whole segment) is never sealed as an inner
  // segment: the stream's last segment carries the last flag, and only
  // finish() knows which one that is. A stream of whole segments ends with
  // a full last segment, an empty stream with one empty segment.
  size_t whole = pending_.size() / seg;
  if (whole > 0 && pending_.size() % seg == 0) --whole;
  std::string sealed;
  sealed.reserve(whole * (seg + SegmentCipher::kTagSize) + SegmentCipher::kTagSize + seg);
  size_t at = 0;
  for (size_t i = 0; i < whole; ++i, at += seg) {
    SKY_CO_RETURN_IF_ERROR(
        cipher_->seal(next_segment_++, false, std::string_view(pending_).substr(at, seg), &sealed));
  }
  if (last) {
    SKY_CO_RETURN_IF_ERROR(
        cipher_->seal(next_segment_++, true, std::string_view(pending_).substr(at), &sealed));
    at = pending_.size();
  }
  pending_.erase(0, at);
  if (sealed.empty()) co_return Status::ok();
  co_return co_await inner_->write(Buffer::copy_of(sealed));
}

Task<Result<WrittenBlob>> SealingBlobWriter::finish() {
  SKY_CO_RETURN_IF_ERROR(setup_);
  SKY_CO_RETURN_IF_ERROR(co_await seal_buffered(true));
  SKY_CO_ASSIGN_OR_RETURN(WrittenBlob w, co_await inner_->finish());
  w.digests.md5 = md5_ ? md5_->finish() : std::string();
  w.digests.checksums.clear();
  for (auto& s : sums_) w.digests.checksums.emplace_back(s->algorithm(), s->finish());
  co_return w;
}

Task<void> SealingBlobWriter::abort() {
  co_await inner_->abort();
}

}  // namespace skyarray::services
