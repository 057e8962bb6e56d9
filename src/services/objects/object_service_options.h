// ObjectServiceOptions: the object service's configuration ([objects]).
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"

namespace skyarray {
class ConfigSection;
}

namespace skyarray::services {

struct ObjectServiceOptions {
  std::string default_region = "us-east-1";
  // Versions and uploads scanned per listing call before returning a
  // truncated page (bounds the work of one request over many delete markers).
  uint32_t max_scan_per_list = 100000;
  // Seconds added to the system clock for retention decisions (Object Lock;
  // common/clock.h). For tests that move the array past a retain-until
  // date; 0 in production, where it must stay 0.
  int64_t retention_clock_offset = 0;
  // The lifecycle worker (object_lifecycle.h): seconds between looks for
  // buckets whose pass of the day is due (0: the worker does not run), keys
  // or uploads examined per step of one bucket, and seconds of rest between
  // steps (bounds the share of the metadata store it takes).
  double lifecycle_interval = 600;
  uint32_t lifecycle_batch = 1000;
  double lifecycle_pause = 0;

  static Result<ObjectServiceOptions> from_config(const ConfigSection& section);
};

}  // namespace skyarray::services
