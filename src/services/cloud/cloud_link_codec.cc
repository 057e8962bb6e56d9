#include "services/cloud/cloud_link_codec.h"

#include <boost/json.hpp>

namespace skyarray::services {

namespace json = boost::json;

std::string CloudLinkCodec::encode(const CloudLink& l) {
  return json::serialize(json::object{{"v", 1},
                                      {"bucket", l.bucket},
                                      {"target", l.target},
                                      {"mode", std::string(link_mode_name(l.mode))},
                                      {"created_ns", l.created_ns},
                                      {"cache_bytes", l.cache_bytes},
                                      {"pins", json::value_from(l.pins)}});
}

Result<CloudLink> CloudLinkCodec::decode(std::string_view raw) {
  boost::system::error_code ec;
  json::value v = json::parse(raw, ec);
  if (ec || !v.is_object()) return Status::corruption("unreadable cloud link record");
  const auto& o = v.as_object();
  auto str = [&](std::string_view k) {
    const auto* f = o.if_contains(k);
    return f && f->is_string() ? std::string(f->as_string()) : std::string();
  };
  auto num = [&](std::string_view k) -> int64_t {
    const auto* f = o.if_contains(k);
    if (f && f->is_int64()) return f->as_int64();
    return f && f->is_uint64() ? static_cast<int64_t>(f->as_uint64()) : 0;
  };
  CloudLink l;
  l.bucket = str("bucket");
  l.target = str("target");
  l.mode = parse_link_mode(str("mode")).value_or(LinkMode::kSync);
  l.created_ns = num("created_ns");
  l.cache_bytes = static_cast<uint64_t>(num("cache_bytes"));
  if (const auto* pins = o.if_contains("pins"); pins && pins->is_array()) {
    for (const auto& p : pins->as_array()) {
      if (p.is_string()) l.pins.emplace_back(p.as_string());
    }
  }
  return l;
}

}  // namespace skyarray::services
