// OpeningObjectReader: reads a range of an encrypted version
// (object_sse.h): reads from the store only the sealed segments the range
// touches, opens each (a segment that fails authentication is
// kCorruption, never wrong bytes) and returns the plaintext of the range.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "services/objects/object_reader.h"
#include "services/objects/object_sse.h"
#include "store/blob_store.h"

namespace skyarray::services {

class OpeningObjectReader final : public ObjectReader {
 public:
  // Opens [first, first + length) of the version `blob` holds, made of
  // `runs` sealed with `dek`.
  static Result<std::unique_ptr<ObjectReader>> open(BlobStore& blobs, const BlobRef& blob,
                                                    ObjectInfo info, std::vector<SseRun> runs,
                                                    const std::string& dek, uint64_t first,
                                                    uint64_t length);

  const ObjectInfo& info() const override { return info_; }
  uint64_t range_first() const override { return first_; }
  uint64_t range_length() const override { return length_; }
  Task<Result<Buffer>> read(size_t max_bytes) override;

 private:
  // Where a segment is: its run, its index in the run and its sizes.
  struct Segment {
    size_t run = 0;
    uint64_t index = 0;
    uint64_t plain_offset = 0;  // in the object
    uint64_t plain_size = 0;
    bool last = false;
  };
  OpeningObjectReader(ObjectInfo info, std::vector<SseRun> runs, std::string dek, uint64_t first,
                      uint64_t length)
      : info_(std::move(info)),
        runs_(std::move(runs)),
        dek_(std::move(dek)),
        first_(first),
        length_(length) {}
  // The segment holding plaintext byte `offset` (< the object's size), or
  // the one empty segment of an empty object.
  Segment segment_at(uint64_t offset) const;
  // The next segment after `s`; false after the object's last.
  bool next(Segment* s) const;
  // Sealed offset of `s` in the blob.
  uint64_t sealed_offset(const Segment& s) const;
  // Reads until sealed_ holds `n` unopened bytes.
  Task<Status> fill(size_t n);

  ObjectInfo info_;
  std::vector<SseRun> runs_;
  std::string dek_;
  uint64_t first_, length_;
  std::unique_ptr<BlobReader> blob_;
  std::optional<SegmentCipher> cipher_;  // of run cipher_run_
  size_t cipher_run_ = 0;
  Segment at_;          // the next segment to open
  bool done_ = false;   // every segment of the range was returned
  std::string sealed_;  // sealed bytes read, from sealed_at_ on not opened yet
  size_t sealed_at_ = 0;
  std::string ready_;  // plaintext of the range, from ready_at_ on not returned yet
  size_t ready_at_ = 0;
};

}  // namespace skyarray::services
