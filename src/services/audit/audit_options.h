// AuditOptions: the [audit] section of the configuration.
//
//   [audit]
//   enabled = true            # every S3 request and admin API call is logged
//   dir = "<data>/audit"      # segment files (audit_log.h)
//   segment_size = "64MiB"    # a segment is sealed once this big...
//   segment_age = "1d"        # ...or this old (checked at each append)
//   upload_target = ""        # a cloud target (`skyarray admin cloud add`) that
//                             # gets a copy of each sealed segment; none when empty
//   upload_prefix = "audit/"  # key prefix of those copies in the target's bucket
//   upload_interval = "60s"   # how often sealed segments are looked for
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
  std::string upload_target;
  std::string upload_prefix = "audit/";
  double upload_seconds = 60;

  static Result<AuditOptions> from_config(const ConfigSection& section,
                                          const std::string& data_dir);
};

}  // namespace skyarray::services::audit
