#include "services/cloud/cloud_target_codec.h"

#include <boost/json.hpp>

namespace skyarray::services {

namespace json = boost::json;

namespace {

std::string string_of(const json::object& o, std::string_view k) {
  auto* v = o.if_contains(k);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

bool bool_of(const json::object& o, std::string_view k, bool dflt) {
  auto* v = o.if_contains(k);
  return v && v->is_bool() ? v->as_bool() : dflt;
}

uint64_t uint_of(const json::object& o, std::string_view k) {
  auto* v = o.if_contains(k);
  if (v && v->is_uint64()) return v->as_uint64();
  if (v && v->is_int64() && v->as_int64() > 0) return static_cast<uint64_t>(v->as_int64());
  return 0;
}

}  // namespace

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
