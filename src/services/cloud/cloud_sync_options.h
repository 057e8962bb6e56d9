// CloudSyncOptions: the [cloud] section of the configuration, read once at
// load; each cloud tier component takes the fields it uses.
#pragma once

#include <cstdint>

#include "common/status.h"

namespace skyarray {
class ConfigSection;
}

namespace skyarray::services {

struct CloudSyncOptions {
  uint32_t workers = 4;
  uint64_t multipart_threshold = 16ull << 20;
  uint64_t part_size = 16ull << 20;
  double retry_base_seconds = 0.5;
  double retry_max_seconds = 60;
  uint64_t alert_backlog_objects = 100000;
  double poll_seconds = 0.2;
  // How often the change journal is uploaded and subscribe links poll it.
  double journal_seconds = 1.0;
  // How often cache links check their watermark.
  double evict_seconds = 1.0;
  // After a restore: objects downloaded at once in the background, and a
  // limit on their bytes/s (0: none) so clients' read-through comes first.
  uint32_t prefetch_workers = 4;
  uint64_t prefetch_bandwidth = 0;
  // Whether a whole-object read of an evicted object stores it locally again.
  enum class Recache { kNever, kOnRead, kOnSecondRead };
  Recache recache = Recache::kOnRead;
  // How often each linked bucket's version list is checkpointed in the
  // cloud (CheckpointWriter); 0: never.
  double checkpoint_seconds = 3600;
  // A checkpoint is written in parts of this size (multipart when it needs
  // more than one) and read back in ranged GETs of this size, so neither
  // side holds a whole checkpoint in memory. The config accepts 5 MiB (the
  // S3 minimum part) .. 64 MiB (the largest GET); tests may set less.
  uint64_t checkpoint_part_size = 16ull << 20;

  // [cloud] workers, multipart_threshold, part_size, retry_base, retry_max,
  // alert_backlog_objects, poll_interval, journal_interval, evict_interval,
  // prefetch_workers, prefetch_bandwidth, recache = "never|on-read|on-second-read",
  // checkpoint_interval, checkpoint_part_size.
  static Result<CloudSyncOptions> from_config(const ConfigSection& section);
};

}  // namespace skyarray::services
