#include "services/cloud/cloud_sync_options.h"

#include "common/config.h"

namespace skyarray::services {

Result<CloudSyncOptions> CloudSyncOptions::from_config(const ConfigSection& s) {
  CloudSyncOptions o;
  int64_t workers = o.workers;
  SKY_RETURN_IF_ERROR(s.read("workers", &workers, 1, 256));
  o.workers = static_cast<uint32_t>(workers);
  SKY_RETURN_IF_ERROR(
      s.read_size("multipart_threshold", &o.multipart_threshold, 5ull << 20, 5ull << 30));
  SKY_RETURN_IF_ERROR(s.read_size("part_size", &o.part_size, 5ull << 20, 5ull << 30));
  SKY_RETURN_IF_ERROR(s.read_seconds("retry_base", &o.retry_base_seconds, 0.01, 3600));
  SKY_RETURN_IF_ERROR(s.read_seconds("retry_max", &o.retry_max_seconds, 0.01, 86400));
  int64_t alert = static_cast<int64_t>(o.alert_backlog_objects);
  SKY_RETURN_IF_ERROR(s.read("alert_backlog_objects", &alert, 1, int64_t(1) << 40));
  o.alert_backlog_objects = static_cast<uint64_t>(alert);
  SKY_RETURN_IF_ERROR(s.read_seconds("poll_interval", &o.poll_seconds, 0.01, 60));
  SKY_RETURN_IF_ERROR(s.read_seconds("journal_interval", &o.journal_seconds, 0.05, 3600));
  SKY_RETURN_IF_ERROR(s.read_seconds("evict_interval", &o.evict_seconds, 0.05, 3600));
  int64_t prefetch_workers = o.prefetch_workers;
  SKY_RETURN_IF_ERROR(s.read("prefetch_workers", &prefetch_workers, 1, 64));
  o.prefetch_workers = static_cast<uint32_t>(prefetch_workers);
  SKY_RETURN_IF_ERROR(s.read_size("prefetch_bandwidth", &o.prefetch_bandwidth, 0, 1ull << 40));
  SKY_RETURN_IF_ERROR(s.read_seconds("checkpoint_interval", &o.checkpoint_seconds, 0, 86400 * 7));
  SKY_RETURN_IF_ERROR(
      s.read_size("checkpoint_part_size", &o.checkpoint_part_size, 5ull << 20, 64ull << 20));
  std::string recache = "on-read";
  SKY_RETURN_IF_ERROR(s.read("recache", &recache));
  if (recache == "never") {
    o.recache = Recache::kNever;
  } else if (recache == "on-read") {
    o.recache = Recache::kOnRead;
  } else if (recache == "on-second-read") {
    o.recache = Recache::kOnSecondRead;
  } else {
    return Status::invalid_argument("[cloud] recache is never, on-read or on-second-read, not '" +
                                    recache + "'");
  }
  return o;
}

}  // namespace skyarray::services
