#include "services/cloud/saved_restore.h"

#include <boost/json.hpp>

#include "services/cloud/upload_queue.h"

namespace skyarray::services {

namespace json = boost::json;

std::string SavedRestore::encode() const {
  return json::serialize(json::object{{"v", 1},
                                      {"target", target},
                                      {"owner", owner},
                                      {"mode", std::string(link_mode_name(mode))},
                                      {"phase", phase},
                                      {"cursor", cursor}});
}

Result<SavedRestore> SavedRestore::decode(const std::string& text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return Status::corruption("bad restore state: " + text);
  const auto& o = v.as_object();
  auto str = [&](const char* k) {
    const json::value* f = o.if_contains(k);
    return f && f->is_string() ? std::string(f->as_string()) : std::string();
  };
  SavedRestore s;
  s.target = str("target");
  s.owner = str("owner");
  auto mode = parse_link_mode(str("mode"));
  if (!mode) return Status::corruption("bad restore state: " + text);
  s.mode = *mode;
  s.phase = str("phase");
  s.cursor = str("cursor");
  return s;
}

bool SavedRestore::in_metadata_phase(const UploadQueue& queue, const std::string& bucket) {
  auto text = queue.restore_state(bucket);
  if (!text.is_ok() || !*text) return false;
  auto saved = decode(**text);
  return saved.is_ok() && saved->phase == "metadata";
}

}  // namespace skyarray::services
