#include "services/cloud/cloud_target_pool.h"

#include <boost/asio/io_context.hpp>

#include "common/periodic_task.h"
#include "common/runtime.h"

namespace skyarray::services {

namespace {

// What a background target is made from: a change makes it again.
std::string slot_fingerprint(const CloudTargetConfig& c) {
  return c.endpoint + '\n' + c.region + '\n' + c.bucket + '\n' + (c.path_style ? "p" : "v") + '\n' +
         c.access_key + '\n' + c.secret_key + '\n' + c.ca_file + (c.flexible_checksums ? "c" : "") +
         '\n' + c.encryption_key_id;
}

// The same for a read-through target (reads only).
std::string reader_fingerprint(const CloudTargetConfig& c) {
  return c.endpoint + '\n' + c.bucket + '\n' + c.access_key + '\n' + c.secret_key + '\n' +
         c.region + '\n' + c.encryption_key_id;
}

}  // namespace

CloudTargetPool::CloudTargetPool(Runtime& rt, CloudTargetFactory factory)
    : rt_(rt), factory_(std::move(factory)) {}

Result<CloudTargetPool::Slot*> CloudTargetPool::slot(const CloudTargetConfig& cfg) {
  Slot& slot = slots_[cfg.name];
  std::string fp = slot_fingerprint(cfg);
  if (!slot.target || slot.fingerprint != fp) {
    SKY_ASSIGN_OR_RETURN(auto t, factory_(rt_.io(0), cfg));
    slot.target = std::move(t);
    slot.fingerprint = fp;
  }
  return &slot;
}

Task<void> CloudTargetPool::throttle(Slot& slot, const CloudTargetConfig& cfg, uint64_t bytes) {
  if (cfg.bandwidth == 0) co_return;
  auto now = std::chrono::steady_clock::now();
  auto start = std::max(now, slot.next_free);
  slot.next_free = start + std::chrono::microseconds(bytes * 1000000 / cfg.bandwidth);
  if (start > now) co_await sleep_until(start);
}

Result<std::shared_ptr<CloudTarget>> CloudTargetPool::reader(boost::asio::io_context& io,
                                                             const CloudTargetConfig& cfg) {
  std::string fp = reader_fingerprint(cfg);
  MutexLock lock(&readers_mu_);
  auto& slot = readers_[{static_cast<void*>(&io), cfg.name}];
  if (!slot.second || slot.first != fp) {
    SKY_ASSIGN_OR_RETURN(auto t, factory_(io, cfg));
    slot = {fp, std::shared_ptr<CloudTarget>(std::move(t))};
  }
  return slot.second;
}

Result<std::unique_ptr<CloudTarget>> CloudTargetPool::make(boost::asio::io_context& io,
                                                           const CloudTargetConfig& cfg) const {
  return factory_(io, cfg);
}

Result<std::unique_ptr<CloudTarget>> CloudTargetPool::make(const CloudTargetConfig& cfg) const {
  return factory_(rt_.io(0), cfg);
}

}  // namespace skyarray::services
