// DicomServiceOptions::from_config (dicom_service_options.h).
#include "services/dicom/dicom_service_options.h"

#include "common/config.h"

namespace skyarray::services::dicom {

Result<DicomServiceOptions> DicomServiceOptions::from_config(const ConfigSection& section) {
  DicomServiceOptions o;
  SKY_RETURN_IF_ERROR(section.read("bucket", &o.bucket));
  SKY_RETURN_IF_ERROR(section.read("bucket_owner", &o.bucket_owner));
  std::string duplicates = "keep_first";
  SKY_RETURN_IF_ERROR(section.read("duplicates", &duplicates));
  if (duplicates == "keep_first") {
    o.duplicates = DuplicatePolicy::kKeepFirst;
  } else if (duplicates == "overwrite") {
    o.duplicates = DuplicatePolicy::kOverwrite;
  } else if (duplicates == "keep_versions") {
    o.duplicates = DuplicatePolicy::kKeepVersions;
  } else {
    return Status::invalid_argument(section.path() +
                                    ".duplicates must be \"keep_first\", \"overwrite\" or "
                                    "\"keep_versions\", got \"" +
                                    duplicates + "\"");
  }
  SKY_RETURN_IF_ERROR(
      section.read_size("max_instance_size", &o.max_instance_bytes, 1024, 1ull << 40));
  return o;
}

}  // namespace skyarray::services::dicom
