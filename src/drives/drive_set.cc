#include "drives/drive_set.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include <spdlog/spdlog.h>
#include <algorithm>
#include <filesystem>

#include "common/file_util.h"
#include "drives/drive_identity.h"

namespace skyarray {

namespace fs = std::filesystem;

Result<std::unique_ptr<DriveSet>> DriveSet::open(
    const std::vector<DriveConfig>& configs, const std::string& array_id, uint32_t next_drive_id,
    uint64_t reserve_bytes, const std::map<std::string, uint32_t>& known_drives) {
  std::unique_ptr<DriveSet> set(new DriveSet(array_id, next_drive_id, reserve_bytes));
  for (const auto& config : configs) {
    std::optional<uint32_t> known;
    if (auto it = known_drives.find(config.path); it != known_drives.end()) known = it->second;
    SKY_ASSIGN_OR_RETURN(auto drive, set->open_one(config, /*strict=*/false, known));
    MutexLock lock(&set->mu_);
    for (const auto& other : set->drives_) {
      if (other->id() == drive->id() && drive->state() != DriveState::kOffline) {
        return Status::invalid_argument("drives " + other->path() + " and " + drive->path() +
                                        " carry the same drive id " + std::to_string(drive->id()));
      }
    }
    set->drives_.push_back(std::move(drive));
  }
  return set;
}

Result<std::unique_ptr<Drive>> DriveSet::open_one(const DriveConfig& config, bool strict,
                                                  std::optional<uint32_t> known) {
  auto offline = [&](std::string why) -> Result<std::unique_ptr<Drive>> {
    if (strict) return Status::unavailable(why);
    spdlog::error("{}", why);
    // A known drive keeps its id so that its chunks are recognised as
    // unavailable (and rebuilt) rather than as on no drive at all.
    auto d = std::make_unique<Drive>(known.value_or(kUnknownId), config, reserve_);
    d->set_state(DriveState::kOffline, std::move(why));
    return d;
  };

  std::error_code ec;
  bool exists = fs::is_directory(config.path, ec);
  auto identity = DriveIdentity::read(config.path);
  if (identity.is_ok()) {
    if (identity->array_id != array_id_) {
      Status s(StatusCode::kPermissionDenied, "drive " + config.path + " belongs to array " +
                                                  identity->array_id + ", not to this array " +
                                                  array_id_ + "; refusing to use it");
      if (strict) return s;
      return offline(s.message());
    }
    return open_identified(config, identity->drive_id);
  }
  if (identity.status().code() != StatusCode::kNotFound) {
    return offline("drive " + config.path + ": " + identity.status().to_string());
  }
  if (known) {
    // Formatted by this array before, identity gone: a disk that is not
    // mounted or was replaced. Formatting it would hide the loss.
    return offline("drive " + config.path + " is missing (its identity file is gone)");
  }
  if (!exists) SKY_RETURN_IF_ERROR(FileUtil::make_dirs(config.path));
  if (!fs::is_empty(config.path, ec)) {
    return offline("drive " + config.path +
                   " is not empty and has no skyarray identity; refusing to format it");
  }
  auto formatted = format(config);
  if (!formatted.is_ok()) return offline(formatted.status().message());
  return formatted;
}

std::unique_ptr<Drive> DriveSet::open_identified(const DriveConfig& config, uint32_t drive_id) {
  {
    MutexLock lock(&mu_);
    next_id_ = std::max(next_id_, drive_id + 1);
  }
  auto d = std::make_unique<Drive>(drive_id, config, reserve_);
  // A probe file rather than access(): root passes access() on a
  // read-only filesystem.
  std::string probe = config.path + "/.skyarray-probe";
  int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    Status why = Status::from_errno(errno, "drive " + config.path + " is not writable");
    d->set_state(DriveState::kDegraded, why.message());
    return d;
  }
  ::close(fd);
  ::unlink(probe.c_str());
  return d;
}

Result<std::unique_ptr<Drive>> DriveSet::format(const DriveConfig& config) {
  DriveIdentity id;
  id.array_id = array_id_;
  {
    MutexLock lock(&mu_);
    id.drive_id = next_id_++;
  }
  if (Status s = id.write(config.path); !s.is_ok()) {
    return Status::io_error("formatting drive " + config.path + ": " + s.to_string());
  }
  spdlog::info("formatted drive {} as drive {} of array {}", config.path, id.drive_id, array_id_);
  return std::make_unique<Drive>(id.drive_id, config, reserve_);
}

Result<Drive*> DriveSet::add(const DriveConfig& config) {
  SKY_ASSIGN_OR_RETURN(auto drive, open_one(config, /*strict=*/true));
  MutexLock lock(&mu_);
  for (const auto& d : drives_) {
    if (d->path() == config.path) return Status::already_exists("drive " + config.path);
  }
  drives_.push_back(std::move(drive));
  return drives_.back().get();
}

std::vector<Drive*> DriveSet::drives() const {
  MutexLock lock(&mu_);
  std::vector<Drive*> out;
  for (const auto& d : drives_) out.push_back(d.get());
  return out;
}

Drive* DriveSet::find(uint32_t id) const {
  MutexLock lock(&mu_);
  for (const auto& d : drives_) {
    if (d->id() == id && d->state() != DriveState::kOffline) return d.get();
  }
  if (id == kUnknownId) return nullptr;
  for (const auto& d : drives_) {
    if (d->id() == id) return d.get();
  }
  return nullptr;
}

uint32_t DriveSet::next_drive_id() const {
  MutexLock lock(&mu_);
  return next_id_;
}

DriveSpace DriveSet::space() const {
  DriveSpace total;
  for (Drive* d : drives()) {
    if (!d->readable()) continue;
    DriveSpace s = d->space();
    total.capacity += s.capacity;
    total.used += s.used;
    total.available += s.available;
  }
  return total;
}

namespace {

int read_rank(DriveState state) {
  switch (state) {
    case DriveState::kOnline:
      return 0;
    case DriveState::kDraining:
      return 1;
    case DriveState::kDegraded:
      return 2;
    case DriveState::kOffline:
      return 3;
  }
  return 3;
}

}  // namespace

void order_for_reading(std::vector<Drive*>* drives, uint64_t rotation) {
  if (drives->empty()) return;
  std::vector<std::pair<int, Drive*>> ranked;
  ranked.reserve(drives->size());
  for (size_t i = 0; i < drives->size(); ++i) {
    Drive* d = (*drives)[(i + rotation % drives->size()) % drives->size()];
    ranked.emplace_back(read_rank(d->state()), d);
  }
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (size_t i = 0; i < ranked.size(); ++i) (*drives)[i] = ranked[i].second;
}

}  // namespace skyarray
