// AuditOptions: the [audit] section of the configuration.
//
//   [audit]
//   enabled = true            # every S3 request and admin API call is logged
//   dir = "<data>/audit"      # segment files (audit_log.h)
//   segment_size = "64MiB"    # a segment is sealed once this big...
//   segment_age = "1d"        # ...or this old (checked at each append)
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"

namespace skyarray {
class ConfigSection;
}

namespace skyarray::services::audit {

struct AuditOptions {
  bool enabled = true;
  std::string dir;  // required when enabled; from_config defaults it
  uint64_t segment_size = 64ull << 20;
  double segment_seconds = 86400;

  static Result<AuditOptions> from_config(const ConfigSection& section,
                                          const std::string& data_dir);
};

}  // namespace skyarray::services::audit
