// Object Lock in cloud object metadata (cloud_lock_metadata.h).
#include "services/cloud/cloud_lock_metadata.h"

#include <charconv>

namespace skyarray::services {

namespace {
constexpr const char* kMode = "skyarray-lock-mode";
constexpr const char* kUntil = "skyarray-lock-retain-until";
constexpr const char* kHold = "skyarray-lock-legal-hold";
}  // namespace

void put_lock_metadata(const ObjectLock& lock, std::map<std::string, std::string>* meta) {
  if (lock.mode != RetentionMode::kNone) {
    (*meta)[kMode] = lock.mode == RetentionMode::kCompliance ? "COMPLIANCE" : "GOVERNANCE";
    (*meta)[kUntil] = std::to_string(lock.retain_until_ns);
  }
  if (lock.legal_hold) (*meta)[kHold] = "ON";
}

ObjectLock take_lock_metadata(std::map<std::string, std::string>* meta) {
  ObjectLock lock;
  auto mode = meta->find(kMode);
  auto until = meta->find(kUntil);
  if (mode != meta->end() && until != meta->end()) {
    const std::string& u = until->second;
    int64_t ns = 0;
    auto [p, ec] = std::from_chars(u.data(), u.data() + u.size(), ns);
    if (ec == std::errc() && p == u.data() + u.size() && ns > 0) {
      if (mode->second == "COMPLIANCE") lock.mode = RetentionMode::kCompliance;
      if (mode->second == "GOVERNANCE") lock.mode = RetentionMode::kGovernance;
      if (lock.mode != RetentionMode::kNone) lock.retain_until_ns = ns;
    }
  }
  auto hold = meta->find(kHold);
  lock.legal_hold = hold != meta->end() && hold->second == "ON";
  meta->erase(kMode);
  meta->erase(kUntil);
  meta->erase(kHold);
  return lock;
}

}  // namespace skyarray::services
