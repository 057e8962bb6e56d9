#include "services/audit/audit_options.h"

#include "common/config.h"

namespace skyarray::services::audit {

Result<AuditOptions> AuditOptions::from_config(const ConfigSection& section,
                                               const std::string& data_dir) {
  AuditOptions o;
  o.dir = data_dir + "/audit";
  SKY_RETURN_IF_ERROR(section.read("enabled", &o.enabled));
  SKY_RETURN_IF_ERROR(section.read("dir", &o.dir));
  SKY_RETURN_IF_ERROR(section.read_size("segment_size", &o.segment_size, 4096, 1ull << 40));
  SKY_RETURN_IF_ERROR(section.read_seconds("segment_age", &o.segment_seconds, 1, 86400.0 * 366));
  SKY_RETURN_IF_ERROR(section.read("upload_target", &o.upload_target));
  SKY_RETURN_IF_ERROR(section.read("upload_prefix", &o.upload_prefix));
  SKY_RETURN_IF_ERROR(section.read_seconds("upload_interval", &o.upload_seconds, 0.1, 86400));
  if (o.dir.empty()) return Status::invalid_argument(section.path() + ".dir must not be empty");
  return o;
}

}  // namespace skyarray::services::audit
