#include "services/cloud/cloud_target_codec.h"

#include <boost/json.hpp>

#include "common/json_fields.h"

namespace skyarray::services {

namespace json = boost::json;
using json_fields::bool_of;
using json_fields::string_of;
using json_fields::uint_of;

json::object CloudTargetCodec::encode(const CloudTargetConfig& t) {
  return {{"name", t.name},
          {"endpoint", t.endpoint},
          {"region", t.region},
          {"bucket", t.bucket},
          {"prefix", t.prefix},
          {"path_style", t.path_style},
          {"access_key", t.access_key},
          {"ca_file", t.ca_file},
          {"bandwidth", t.bandwidth},
          {"window", t.window},
          {"flexible_checksums", t.flexible_checksums}};
}

CloudTargetConfig CloudTargetCodec::decode(const json::object& o) {
  CloudTargetConfig t;
  t.name = string_of(o, "name");
  t.endpoint = string_of(o, "endpoint");
  if (std::string region = string_of(o, "region"); !region.empty()) t.region = std::move(region);
  t.bucket = string_of(o, "bucket");
  t.prefix = string_of(o, "prefix");
  t.path_style = bool_of(o, "path_style", true);
  t.access_key = string_of(o, "access_key");
  t.ca_file = string_of(o, "ca_file");
  t.bandwidth = uint_of(o, "bandwidth");
  t.window = string_of(o, "window");
  t.flexible_checksums = bool_of(o, "flexible_checksums", true);
  return t;
}

}  // namespace skyarray::services
