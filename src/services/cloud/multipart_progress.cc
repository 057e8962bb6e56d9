#include "services/cloud/multipart_progress.h"

#include <boost/json.hpp>

#include "common/ascii.h"

namespace skyarray::services {

namespace json = boost::json;

std::string MultipartProgress::encode() const {
  json::object numbered;
  for (const auto& [n, cloud_etag] : parts) numbered[std::to_string(n)] = cloud_etag;
  return json::serialize(json::object{{"v", 1},
                                      {"upload_id", upload_id},
                                      {"version_id", version_id},
                                      {"etag", etag},
                                      {"part_size", part_size},
                                      {"parts", std::move(numbered)}});
}

Result<MultipartProgress> MultipartProgress::decode(std::string_view raw) {
  auto bad = [] { return Status::corruption("unreadable multipart progress record"); };
  boost::system::error_code ec;
  json::value v = json::parse(raw, ec);
  if (ec || !v.is_object()) return bad();
  const auto& o = v.as_object();
  const auto *upload = o.if_contains("upload_id"), *version = o.if_contains("version_id"),
             *etag = o.if_contains("etag"), *size = o.if_contains("part_size"),
             *parts = o.if_contains("parts");
  if (!upload || !upload->is_string() || !version || !version->is_string() || !etag ||
      !etag->is_string() || !size || !size->is_number() || !parts || !parts->is_object()) {
    return bad();
  }
  MultipartProgress p;
  p.upload_id = std::string(upload->as_string());
  p.version_id = std::string(version->as_string());
  p.etag = std::string(etag->as_string());
  p.part_size = size->to_number<uint64_t>(ec);
  if (ec) return bad();
  for (const auto& [n, cloud_etag] : parts->as_object()) {
    auto number = parse_u64(n);
    if (!number || *number == 0 || *number > 10000 || !cloud_etag.is_string()) return bad();
    p.parts[static_cast<uint32_t>(*number)] = std::string(cloud_etag.as_string());
  }
  return p;
}

}  // namespace skyarray::services
