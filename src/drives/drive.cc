#include "drives/drive.h"

#include <spdlog/spdlog.h>

namespace skyarray {

std::string DriveLabel::to_string() const {
  return node + "/" + enclosure + "/" + bay;
}

Result<DriveLabel> DriveLabel::parse(std::string_view text) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= text.size()) {
    size_t slash = text.find('/', start);
    if (slash == std::string_view::npos) slash = text.size();
    parts.emplace_back(text.substr(start, slash - start));
    start = slash + 1;
  }
  if (parts.empty() || parts.size() > 3) {
    return Status::invalid_argument("drive label '" + std::string(text) +
                                    "' must be node/enclosure/bay");
  }
  for (const auto& p : parts) {
    if (p.empty()) {
      return Status::invalid_argument("drive label '" + std::string(text) + "' has an empty part");
    }
  }
  DriveLabel label;
  // Fewer parts name the narrowest domains: "7" is bay 7 of the local enclosure.
  if (parts.size() == 3) {
    label = {parts[0], parts[1], parts[2]};
  } else if (parts.size() == 2) {
    label.enclosure = parts[0];
    label.bay = parts[1];
  } else {
    label.bay = parts[0];
  }
  return label;
}

std::string_view drive_state_name(DriveState state) {
  switch (state) {
    case DriveState::kOnline:
      return "online";
    case DriveState::kDegraded:
      return "degraded";
    case DriveState::kOffline:
      return "offline";
    case DriveState::kDraining:
      return "draining";
  }
  return "unknown";
}

Drive::Drive(uint32_t id, DriveConfig config, uint64_t reserve_bytes)
    : id_(id), config_(std::move(config)), space_(config_.path, reserve_bytes, config_.capacity) {}

std::string Drive::state_reason() const {
  MutexLock lock(&mu_);
  return reason_;
}

void Drive::set_state(DriveState state, std::string reason) {
  MutexLock lock(&mu_);
  DriveState old = state_.exchange(state);
  if (old != state) {
    spdlog::warn("drive {} ({}) {} -> {}: {}", id_, config_.path, drive_state_name(old),
                 drive_state_name(state), reason);
  }
  reason_ = std::move(reason);
}

void Drive::note_error(const Status& error) {
  if (error.code() == StatusCode::kCorruption) {
    uint64_t c = checksum_errors_.fetch_add(1) + 1;
    spdlog::warn("drive {} ({}) checksum error #{}: {}", id_, config_.path, c, error.to_string());
    return;
  }
  uint64_t n = errors_.fetch_add(1) + 1;
  spdlog::warn("drive {} ({}) error #{}: {}", id_, config_.path, n, error.to_string());
  if (n >= kDegradedAfterErrors && state() == DriveState::kOnline) {
    set_state(DriveState::kDegraded, std::to_string(n) + " I/O errors, last: " + error.to_string());
  }
}

DriveSpace Drive::space() const {
  return space_.usage(used_.load());
}

Status Drive::reserve(uint64_t n) {
  MutexLock lock(&mu_);
  DriveSpace s = space();
  if (s.available < n) {
    // Said to clients as is (507): the drive's id, not its path.
    return Status::no_space("drive " + std::to_string(id_) +
                            " is full: " + human_bytes(s.available) + " left above its " +
                            human_bytes(space_.reserve_bytes()) + " reserve, " + human_bytes(n) +
                            " needed");
  }
  used_.fetch_add(n);
  return Status();
}

void Drive::release(uint64_t n) {
  uint64_t cur = used_.load();
  while (!used_.compare_exchange_weak(cur, cur > n ? cur - n : 0)) {
  }
}

Status Drive::check_fault(bool is_write) const {
  DriveFault f = fault_.load();
  if (f == DriveFault::kFailAll || (is_write && f == DriveFault::kFailWrites) ||
      (!is_write && f == DriveFault::kFailReads)) {
    return Status::io_error("drive " + std::to_string(id_) + ": injected " +
                            (is_write ? "write" : "read") + " error");
  }
  return Status();
}

}  // namespace skyarray
