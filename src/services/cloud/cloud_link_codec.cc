#include "services/cloud/cloud_link_codec.h"

#include <boost/json.hpp>

#include "common/json_fields.h"

namespace skyarray::services {

namespace json = boost::json;

std::string CloudLinkCodec::encode(const CloudLink& l) {
  return json::serialize(json::object{{"v", 1},
                                      {"bucket", l.bucket},
                                      {"target", l.target},
                                      {"mode", std::string(link_mode_name(l.mode))},
                                      {"created_ns", l.created_ns},
                                      {"cache_bytes", l.cache_bytes},
                                      {"pins", json::value_from(l.pins)},
                                      {"allow_unlocked_copy", l.allow_unlocked_copy},
                                      {"lock_cloud_copy", l.lock_cloud_copy}});
}

Result<CloudLink> CloudLinkCodec::decode(std::string_view raw) {
  boost::system::error_code ec;
  json::value v = json::parse(raw, ec);
  if (ec || !v.is_object()) return Status::corruption("unreadable cloud link record");
  const auto& o = v.as_object();
  CloudLink l;
  l.bucket = json_fields::string_of(o, "bucket");
  l.target = json_fields::string_of(o, "target");
  l.mode = parse_link_mode(json_fields::string_of(o, "mode")).value_or(LinkMode::kSync);
  l.created_ns = json_fields::int_of(o, "created_ns");
  l.cache_bytes = json_fields::uint_of(o, "cache_bytes");
  l.allow_unlocked_copy = json_fields::bool_of(o, "allow_unlocked_copy", false);
  l.lock_cloud_copy = json_fields::bool_of(o, "lock_cloud_copy", false);
  if (const auto* pins = o.if_contains("pins"); pins && pins->is_array()) {
    for (const auto& p : pins->as_array()) {
      if (p.is_string()) l.pins.emplace_back(p.as_string());
    }
  }
  return l;
}

}  // namespace skyarray::services
