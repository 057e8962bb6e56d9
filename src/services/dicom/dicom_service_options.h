// DicomServiceOptions: the DICOM service's configuration, from the [dicom]
// section (the DIMSE listener reads its own keys from the same section:
// protocols/dicom/dicom_scp_options.h).
//   bucket        = "dicom"       where instances are stored (created at start
//                                 when missing, owned by bucket_owner)
//   bucket_owner  = "root"        user id owning a bucket created at start
//   duplicates    = "keep_first"  a SOP instance received again:
//                   "keep_first"  keeps the stored one (the sender is told
//                                 success; nothing changes),
//                   "overwrite"   replaces object and index entry,
//                   "keep_versions" keeps both as object versions (the
//                                 bucket gets versioning; the index points
//                                 at the latest)
//   max_instance_size = "1GiB"   larger instances are refused
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"

namespace skyarray {
class ConfigSection;
}

namespace skyarray::services::dicom {

enum class DuplicatePolicy : uint8_t { kKeepFirst, kOverwrite, kKeepVersions };

struct DicomServiceOptions {
  std::string bucket = "dicom";
  std::string bucket_owner = "root";
  DuplicatePolicy duplicates = DuplicatePolicy::kKeepFirst;
  uint64_t max_instance_bytes = 1ull << 30;

  static Result<DicomServiceOptions> from_config(const ConfigSection& section);
};

}  // namespace skyarray::services::dicom
