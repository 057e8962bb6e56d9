// CloudLinkCodec: the stored form of a bucket's cloud link (CloudRegistry's
// record; cloud_config.h), format version 1 (Boost.JSON):
//   {"v":1,"bucket","target","mode":"sync"|"cache"|...,"created_ns",
//    "cache_bytes","pins":["prefix",...]}
// A missing or mistyped field reads as the CloudLink default (an unknown
// mode as sync), as records written before a field existed must still load.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "services/cloud/cloud_config.h"

namespace skyarray::services {

class CloudLinkCodec {
 public:
  static std::string encode(const CloudLink& link);
  // kCorruption only when `raw` is not a JSON object.
  static Result<CloudLink> decode(std::string_view raw);
};

}  // namespace skyarray::services
