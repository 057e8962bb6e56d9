#include "services/cloud/checkpoint_line.h"

#include <boost/json.hpp>

#include "common/json_fields.h"
#include "services/cloud/cloud_checkpoint.h"

namespace skyarray::services {

namespace json = boost::json;
using json_fields::int_of;
using json_fields::string_map_of;
using json_fields::string_of;
using json_fields::uint_of;

namespace {

const char* versioning_name(VersioningState v) {
  switch (v) {
    case VersioningState::kEnabled:
      return "enabled";
    case VersioningState::kSuspended:
      return "suspended";
    case VersioningState::kUnversioned:
      break;
  }
  return "";
}

json::object string_map(const std::map<std::string, std::string>& m) {
  json::object o;
  for (const auto& [k, v] : m) o[k] = v;
  return o;
}

const char* mode_name(RetentionMode m) {
  switch (m) {
    case RetentionMode::kGovernance:
      return "GOVERNANCE";
    case RetentionMode::kCompliance:
      return "COMPLIANCE";
    case RetentionMode::kNone:
      break;
  }
  return "";
}

RetentionMode mode_of(const std::string& s) {
  if (s == "GOVERNANCE") return RetentionMode::kGovernance;
  if (s == "COMPLIANCE") return RetentionMode::kCompliance;
  return RetentionMode::kNone;
}

}  // namespace

std::string CheckpointLine::header(const std::string& bucket, VersioningState versioning,
                                   const ObjectLockConfiguration& object_lock, int64_t created_ns) {
  json::object h{{"v", kCheckpointFormat},
                 {"bucket", bucket},
                 {"versioning", versioning_name(versioning)},
                 {"created_ns", created_ns}};
  if (object_lock.enabled) {
    h["lock"] = json::object{{"mode", mode_name(object_lock.default_mode)},
                             {"days", object_lock.default_days},
                             {"years", object_lock.default_years}};
  }
  return json::serialize(h);
}

std::string CheckpointLine::version_line(const std::string& key, const ImportedObject& v) {
  json::object line{{"k", key}, {"id", v.version_id}, {"dm", v.delete_marker}};
  if (!v.delete_marker) {
    line["size"] = v.size;
    line["etag"] = v.etag;
  }
  line["mtime"] = v.mtime_ns;
  if (!v.delete_marker) {
    line["ct"] = v.content.content_type;
    line["ce"] = v.content.content_encoding;
    line["cd"] = v.content.content_disposition;
    line["cc"] = v.content.cache_control;
    line["meta"] = string_map(v.user_metadata);
    if (!v.tags.empty()) line["tags"] = string_map(v.tags);
    // Object Lock: mode, retain-until ns, legal hold (only when set).
    if (v.lock.mode != RetentionMode::kNone) {
      line["lm"] = mode_name(v.lock.mode);
      line["lu"] = v.lock.retain_until_ns;
    }
    if (v.lock.legal_hold) line["lh"] = true;
  }
  return json::serialize(line);
}

std::string CheckpointLine::end(uint64_t versions) {
  return json::serialize(json::object{{"end", true}, {"versions", versions}});
}

Result<CheckpointLine> CheckpointLine::decode(std::string_view text, bool header_line) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return Status::corruption("a checkpoint line is not a JSON object");
  const auto& o = v.as_object();
  CheckpointLine line;
  if (header_line) {
    line.kind = Kind::kHeader;
    line.format = int_of(o, "v");
    line.bucket = string_of(o, "bucket");
    std::string vs = string_of(o, "versioning");
    line.versioning = vs == "enabled"     ? VersioningState::kEnabled
                      : vs == "suspended" ? VersioningState::kSuspended
                                          : VersioningState::kUnversioned;
    line.created_ns = int_of(o, "created_ns");
    line.versions = static_cast<uint64_t>(int_of(o, "versions"));
    if (const json::value* lock = o.if_contains("lock"); lock && lock->is_object()) {
      const auto& l = lock->as_object();
      line.object_lock.enabled = true;
      line.object_lock.default_mode = mode_of(string_of(l, "mode"));
      if (line.object_lock.default_mode != RetentionMode::kNone) {
        line.object_lock.default_days = static_cast<uint32_t>(uint_of(l, "days"));
        line.object_lock.default_years = static_cast<uint32_t>(uint_of(l, "years"));
      }
    }
    return line;
  }
  if (o.if_contains("end")) {
    line.kind = Kind::kEnd;
    line.versions = static_cast<uint64_t>(int_of(o, "versions"));
    return line;
  }
  line.kind = Kind::kVersion;
  line.key = string_of(o, "k");
  ImportedObject& obj = line.version;
  obj.version_id = string_of(o, "id");
  const json::value* dm = o.if_contains("dm");
  obj.delete_marker = dm && dm->is_bool() && dm->as_bool();
  obj.size = static_cast<uint64_t>(int_of(o, "size"));
  obj.etag = string_of(o, "etag");
  obj.mtime_ns = int_of(o, "mtime");
  obj.content.content_type = string_of(o, "ct");
  obj.content.content_encoding = string_of(o, "ce");
  obj.content.content_disposition = string_of(o, "cd");
  obj.content.cache_control = string_of(o, "cc");
  obj.user_metadata = string_map_of(o, "meta");
  obj.tags = string_map_of(o, "tags");
  obj.lock.mode = mode_of(string_of(o, "lm"));
  if (obj.lock.mode != RetentionMode::kNone) obj.lock.retain_until_ns = int_of(o, "lu");
  obj.lock.legal_hold = json_fields::bool_of(o, "lh", false);
  return line;
}

}  // namespace skyarray::services
