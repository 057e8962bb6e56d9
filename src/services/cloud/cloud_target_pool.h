// CloudTargetPool: the tier's connections to its clouds. Background work
// on I/O thread 0 shares one CloudTarget per configured target (a Slot,
// with the target's bandwidth limiter and outage backoff); reads of
// evicted objects use one per event loop and target (an HttpClient belongs
// to one loop). A target whose configuration changed is made again.
//
// Thread safety: slot() and throttle() on I/O thread 0 only (the slots are
// confined to it); reader() and make() from any thread.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "common/async.h"
#include "common/mutex.h"
#include "common/status.h"
#include "services/cloud/cloud_config.h"
#include "services/cloud/cloud_target.h"

namespace boost::asio {
class io_context;
}

namespace skyarray {
class Runtime;
}

namespace skyarray::services {

// Makes the wire implementation of a target (protocols/s3client).
using CloudTargetFactory = std::function<Result<std::unique_ptr<CloudTarget>>(
    boost::asio::io_context&, const CloudTargetConfig&)>;

class CloudTargetPool {
 public:
  using SteadyTime = std::chrono::steady_clock::time_point;

  struct Slot {
    std::string fingerprint;  // config the instance was made from
    std::shared_ptr<CloudTarget> target;
    SteadyTime next_free{};   // bandwidth limiter
    SteadyTime not_before{};  // outage backoff for the whole target
    int failures = 0;
  };

  CloudTargetPool(Runtime& rt, CloudTargetFactory factory);

  // The slot of target `cfg` on I/O thread 0 (stable address).
  Result<Slot*> slot(const CloudTargetConfig& cfg);
  // Waits until `bytes` more fit in the target's bandwidth limit.
  Task<void> throttle(Slot& slot, const CloudTargetConfig& cfg, uint64_t bytes);

  // The target of `cfg` for event loop `io`, shared by its readers.
  Result<std::shared_ptr<CloudTarget>> reader(boost::asio::io_context& io,
                                              const CloudTargetConfig& cfg);

  // A new target of its own on `io` (restore, probes).
  Result<std::unique_ptr<CloudTarget>> make(boost::asio::io_context& io,
                                            const CloudTargetConfig& cfg) const;
  // The same on I/O thread 0.
  Result<std::unique_ptr<CloudTarget>> make(const CloudTargetConfig& cfg) const;

 private:
  Runtime& rt_;
  CloudTargetFactory factory_;
  std::map<std::string, Slot> slots_;  // I/O thread 0
  Mutex readers_mu_;
  std::map<std::pair<void*, std::string>, std::pair<std::string, std::shared_ptr<CloudTarget>>>
      readers_ GUARDED_BY(readers_mu_);
};

}  // namespace skyarray::services
