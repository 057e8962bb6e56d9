// OpeningObjectReader: the plaintext of a range of an encrypted version
// (opening_object_reader.h).
#include "services/objects/opening_object_reader.h"

#include <algorithm>

namespace skyarray::services {

namespace {
constexpr uint64_t kSeg = SegmentCipher::kSegmentSize;
constexpr uint64_t kTag = SegmentCipher::kTagSize;
constexpr size_t kReadAhead = 1 << 20;
}  // namespace

Result<std::unique_ptr<ObjectReader>> OpeningObjectReader::open(
    BlobStore& blobs, const BlobRef& blob, ObjectInfo info, std::vector<SseRun> runs,
    const std::string& dek, uint64_t first, uint64_t length) {
  if (blob.size() != ObjectSse::sealed_size(runs)) {
    return Status::corruption("encrypted version of " + info.key + " has " +
                              std::to_string(blob.size()) + " sealed bytes, its runs need " +
                              std::to_string(ObjectSse::sealed_size(runs)));
  }
  std::unique_ptr<OpeningObjectReader> r(
      new OpeningObjectReader(std::move(info), std::move(runs), dek, first, length));
  if (length == 0) {
    r->done_ = true;
    return std::unique_ptr<ObjectReader>(std::move(r));
  }
  r->at_ = r->segment_at(first);
  const Segment end = r->segment_at(first + length - 1);
  const uint64_t from = r->sealed_offset(r->at_);
  const uint64_t to = r->sealed_offset(end) + end.plain_size + kTag;
  SKY_ASSIGN_OR_RETURN(r->blob_, blobs.new_reader(blob, from, to - from));
  return std::unique_ptr<ObjectReader>(std::move(r));
}

OpeningObjectReader::Segment OpeningObjectReader::segment_at(uint64_t offset) const {
  uint64_t run_start = 0;
  for (size_t i = 0; i < runs_.size(); ++i) {
    const uint64_t size = runs_[i].plain_size;
    if (offset < run_start + size) {
      Segment s;
      s.run = i;
      s.index = (offset - run_start) / kSeg;
      s.plain_offset = run_start + s.index * kSeg;
      s.plain_size = std::min(kSeg, size - s.index * kSeg);
      s.last = s.index + 1 == SegmentCipher::segment_count(size);
      return s;
    }
    run_start += size;
  }
  return Segment{0, 0, 0, 0, true};
}

bool OpeningObjectReader::next(Segment* s) const {
  s->plain_offset += s->plain_size;
  if (!s->last) {
    ++s->index;
  } else {
    if (s->run + 1 >= runs_.size()) return false;
    ++s->run;
    s->index = 0;
  }
  const uint64_t size = runs_[s->run].plain_size;
  s->plain_size = std::min(kSeg, size - std::min(size, s->index * kSeg));
  s->last = s->index + 1 == SegmentCipher::segment_count(size);
  return true;
}

uint64_t OpeningObjectReader::sealed_offset(const Segment& s) const {
  uint64_t at = 0;
  for (size_t i = 0; i < s.run; ++i) at += SegmentCipher::sealed_size(runs_[i].plain_size);
  return at + s.index * (kSeg + kTag);
}

Task<Status> OpeningObjectReader::fill(size_t n) {
  if (sealed_at_ > 0 && sealed_at_ >= sealed_.size() / 2) {
    sealed_.erase(0, sealed_at_);
    sealed_at_ = 0;
  }
  while (sealed_.size() - sealed_at_ < n) {
    const size_t want = std::max<size_t>(n - (sealed_.size() - sealed_at_), kReadAhead);
    SKY_CO_ASSIGN_OR_RETURN(Buffer buf, co_await blob_->read(std::min<uint64_t>(
                                            want, std::max<uint64_t>(blob_->remaining(), 1))));
    if (buf.empty()) {
      co_return Status::corruption("encrypted version of " + info_.key + " ends inside a segment");
    }
    sealed_.append(buf.view());
  }
  co_return Status::ok();
}

Task<Result<Buffer>> OpeningObjectReader::read(size_t max_bytes) {
  const uint64_t range_end = first_ + length_;
  const size_t want = std::max<size_t>(max_bytes, 1);
  if (ready_at_ > 0) {
    ready_.erase(0, ready_at_);
    ready_at_ = 0;
  }
  while (!done_ && ready_.size() < want) {
    const size_t need = at_.plain_size + kTag;
    SKY_CO_RETURN_IF_ERROR(co_await fill(need));
    if (!cipher_ || cipher_run_ != at_.run) {
      SKY_CO_ASSIGN_OR_RETURN(SegmentCipher c,
                              ObjectSse::run_cipher(dek_, runs_[at_.run].salt, info_.key));
      cipher_.emplace(std::move(c));
      cipher_run_ = at_.run;
    }
    std::string plain;
    SKY_CO_RETURN_IF_ERROR(cipher_->open(
        at_.index, at_.last, std::string_view(sealed_).substr(sealed_at_, need), &plain));
    sealed_at_ += need;
    const uint64_t lo = std::max(first_, at_.plain_offset);
    const uint64_t hi = std::min(range_end, at_.plain_offset + at_.plain_size);
    if (hi > lo) ready_.append(plain, lo - at_.plain_offset, hi - lo);
    if (at_.plain_offset + at_.plain_size >= range_end || !next(&at_)) done_ = true;
  }
  const size_t n = std::min(want, ready_.size());
  Buffer out = Buffer::copy_of(std::string_view(ready_).substr(0, n));
  ready_at_ = n;
  co_return out;
}

}  // namespace skyarray::services
