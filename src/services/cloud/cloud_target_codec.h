// CloudTargetCodec: the one mapping between a CloudTargetConfig and JSON,
// shared by the registry's stored records (cloud_config.h), the admin API's
// requests and answers, and the admin CLI's requests.
//
// Fields: "name", "endpoint", "region", "bucket", "prefix", "path_style",
// "access_key", "ca_file", "bandwidth", "window", "flexible_checksums".
// Secrets are not among them: each caller handles its own (the registry
// seals the secret and encryption keys, an admin request carries
// "secret_key", an admin answer never shows it).
#pragma once

#include <boost/json/object.hpp>

#include "services/cloud/cloud_config.h"

namespace skyarray::services {

class CloudTargetCodec {
 public:
  // The fields above, from `target`.
  static boost::json::object encode(const CloudTargetConfig& target);

  // A target from the fields above; a missing or mistyped field keeps the
  // CloudTargetConfig default (an empty region too: "us-east-1"; a negative
  // bandwidth reads as 0). Secrets and encryption keys are left empty.
  static CloudTargetConfig decode(const boost::json::object& o);
};

}  // namespace skyarray::services
