#include "services/storage/storage_service.h"

#include <spdlog/spdlog.h>

#include "common/runtime.h"

namespace skyarray::services {

Result<DriveConfig> StorageService::drive_config(const NewDrive& drive, bool label_optional) const {
  if (drive.path.empty() || drive.path[0] != '/') {
    return Status::invalid_argument("a drive path must be absolute");
  }
  if (drive.weight <= 0 || drive.weight > 1e6) {
    return Status::invalid_argument("a drive weight must be in (0, 1e6]");
  }
  DriveConfig c;
  c.path = drive.path;
  c.weight = drive.weight;
  c.capacity = drive.capacity;
  if (!drive.label.empty()) {
    SKY_ASSIGN_OR_RETURN(c.label, DriveLabel::parse(drive.label));
  } else if (label_optional) {
    c.label.bay.clear();  // replace_drive() takes the old drive's label
  } else {
    c.label.bay = drive.path;
  }
  return c;
}

Result<DriveReport> StorageService::report(uint32_t id) const {
  for (auto& d : store_.stats().drives) {
    if (d.id == id) return d;
  }
  return Status::not_found("no drive " + std::to_string(id));
}

Task<Result<std::vector<DriveReport>>> StorageService::list_drives() {
  co_return co_await runtime_.blocking(
      [&]() -> Result<std::vector<DriveReport>> { return store_.stats().drives; });
}

Task<Result<DriveReport>> StorageService::add_drive(NewDrive drive) {
  co_return co_await runtime_.blocking([&]() -> Result<DriveReport> {
    SKY_ASSIGN_OR_RETURN(DriveConfig c, drive_config(drive, false));
    SKY_ASSIGN_OR_RETURN(uint32_t id, store_.add_drive(c));
    spdlog::info("drive {} added: {} ({})", id, c.path, c.label.to_string());
    return report(id);
  });
}

Task<Status> StorageService::fail_drive(uint32_t id) {
  co_return co_await runtime_.blocking(
      [&] { return store_.set_drive_state(id, DriveState::kOffline); });
}

Task<Status> StorageService::drain_drive(uint32_t id) {
  co_return co_await runtime_.blocking(
      [&] { return store_.set_drive_state(id, DriveState::kDraining); });
}

Task<Status> StorageService::online_drive(uint32_t id) {
  co_return co_await runtime_.blocking(
      [&] { return store_.set_drive_state(id, DriveState::kOnline); });
}

Task<Result<DriveReport>> StorageService::replace_drive(uint32_t id, NewDrive drive) {
  co_return co_await runtime_.blocking([&]() -> Result<DriveReport> {
    SKY_ASSIGN_OR_RETURN(DriveConfig c, drive_config(drive, true));
    SKY_ASSIGN_OR_RETURN(uint32_t new_id, store_.replace_drive(id, c));
    spdlog::info("drive {} replaced by drive {} ({})", id, new_id, c.path);
    return report(new_id);
  });
}

Task<Status> StorageService::remove_drive(uint32_t id) {
  co_return co_await runtime_.blocking([&] { return store_.remove_drive(id); });
}

Task<Result<StorageHealth>> StorageService::health() {
  co_return co_await runtime_.blocking([&]() -> Result<StorageHealth> {
    StorageHealth h;
    h.store = store_.stats();
    h.rebuild = store_.rebuild_progress();
    h.scrub = store_.scrub_progress();
    h.metadata = store_.meta_protection();
    for (const auto& d : h.store.drives) {
      switch (d.state) {
        case DriveState::kOnline:
          h.drives_online++;
          break;
        case DriveState::kDegraded:
          h.drives_degraded++;
          break;
        case DriveState::kOffline:
          h.drives_offline += d.reason == "removed by operator" ? 0 : 1;
          break;
        case DriveState::kDraining:
          h.drives_draining++;
          break;
      }
    }
    if (h.rebuild.lost_chunks > 0 || h.scrub.unrepairable_chunks > 0 || !h.store.lost.empty()) {
      h.status = "data-loss";
    } else if (h.rebuild.queued_chunks > 0 || h.drives_degraded + h.drives_offline > 0 ||
               (h.metadata.state != "ok" && h.metadata.state != "off")) {
      h.status = "degraded";
    } else {
      h.status = "ok";
    }
    return h;
  });
}

Task<Status> StorageService::start_scrub() {
  store_.request_scrub();
  co_return Status();
}

Task<Status> StorageService::checkpoint() {
  co_return co_await runtime_.blocking([&] { return store_.checkpoint(); });
}

}  // namespace skyarray::services
