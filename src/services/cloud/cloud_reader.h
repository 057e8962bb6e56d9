// CloudReader: streams a range of an evicted object from the cloud with
// ranged GETs on the reader's own event loop (ReadThrough opens it). The
// first GET is small (256 KiB, time to first byte) and goes alone; once it
// arrives, up to four 2 MiB GETs stay in flight, buffered here, so the cloud
// sends while the client receives.
//
// A reader of the whole object may also store the bytes locally again as
// they pass (`recache`): each piece is written beside the client's reads
// (the response waits for a local write only when the next piece arrives
// before the previous one is written), the refill commits once the last
// piece is written, and is dropped if the client goes away before.
//
// Threading: one coroutine at a time, on one event loop.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>

#include "services/cloud/cloud_counters.h"
#include "services/cloud/cloud_target_pool.h"
#include "services/objects/object_service.h"

namespace skyarray::services {

class CloudReader : public ObjectReader {
 public:
  CloudReader(std::shared_ptr<CloudTargetPool> pool, std::shared_ptr<CloudCounters> counters,
              ObjectService& objects, CloudTargetConfig cfg, ObjectInfo info, uint64_t first,
              uint64_t length, bool recache);
  ~CloudReader() override;

  const ObjectInfo& info() const override { return info_; }
  uint64_t range_first() const override { return first_; }
  uint64_t range_length() const override { return length_; }
  Task<Result<Buffer>> read(size_t max_bytes) override;

 private:
  struct Fetch;
  struct RefillWrite;

  // Starts the GET of the next piece (onto ahead_). A fetch the reader no
  // longer waits for (client gone) finishes on its own and is dropped.
  Status start_fetch(boost::asio::io_context& io);
  // Takes the next fetched piece into pending_ and keeps GETs in flight.
  Task<Status> next_piece(boost::asio::io_context& io);
  // Starts writing the piece just fetched to the refill (recache).
  Task<void> keep(boost::asio::io_context& io);

  std::shared_ptr<CloudTargetPool> pool_;
  std::shared_ptr<CloudCounters> counters_;
  ObjectService& objects_;
  CloudTargetConfig cfg_;
  ObjectInfo info_;
  uint64_t first_;
  uint64_t length_;
  uint64_t fetched_ = 0;                      // bytes received
  uint64_t requested_ = 0;                    // bytes asked for (fetched_ + ahead_)
  std::deque<std::shared_ptr<Fetch>> ahead_;  // in request order
  std::string pending_;
  size_t pending_pos_ = 0;
  bool recache_;
  std::shared_ptr<ObjectWriter> refill_;
  std::shared_ptr<RefillWrite> writing_;  // the previous piece's write
};

}  // namespace skyarray::services
