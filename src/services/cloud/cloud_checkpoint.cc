// Metadata checkpoints in the cloud: what the 1:1 object copy cannot carry
// (version ids, older versions, delete markers, the bucket's versioning
// state) is uploaded every `checkpoint_interval` as one compact JSON-lines
// object per linked bucket, and read back by restore.
//
//   <prefix>.skyarray/checkpoints/<created ns, 20 digits>.jsonl
//   line 1: {"v":1,"bucket":..,"versioning":"enabled"|"suspended"|"",
//            "created_ns":n,"versions":n}
//   then one line per version or delete marker, newest first within a key:
//            {"k":key,"id":version id,"dm":bool,"size":n,"etag":..,"mtime":ns,
//             "ct":..,"ce":..,"cd":..,"cc":..,"meta":{..},"tags":{..}}
// The two newest checkpoints are kept (a restore racing with an upload
// still finds a complete one).
#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <cstdio>

#include "common/checksum.h"
#include "services/cloud/cloud_sync_state.h"

namespace skyarray::services {

namespace json = boost::json;

namespace {

constexpr size_t kKeepCheckpoints = 2;

std::string checkpoint_prefix(const CloudTargetConfig& cfg) {
  return private_prefix(cfg) + "checkpoints/";
}

std::string versioning_name(VersioningState v) {
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

std::map<std::string, std::string> map_of(const json::object& o, std::string_view field) {
  std::map<std::string, std::string> out;
  const json::value* v = o.if_contains(field);
  if (!v || !v->is_object()) return out;
  for (const auto& [k, val] : v->as_object()) {
    if (val.is_string()) out[std::string(k)] = std::string(val.as_string());
  }
  return out;
}

std::string str_of(const json::object& o, std::string_view field) {
  const json::value* v = o.if_contains(field);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

int64_t int_of(const json::object& o, std::string_view field) {
  const json::value* v = o.if_contains(field);
  if (v && v->is_int64()) return v->as_int64();
  if (v && v->is_uint64()) return static_cast<int64_t>(v->as_uint64());
  return 0;
}

int64_t wall_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Task<void> CloudSync::State::checkpoint_pass() {
  auto self = shared_from_this();
  for (const auto& link : registry.links()) {
    if (link.mode == LinkMode::kSubscribe || rt.stopping()) continue;
    Status st = co_await write_checkpoint(link);
    if (!st.is_ok()) {
      note_error(st);
      spdlog::warn("cloud checkpoint of {}: {}", link.bucket, st.to_string());
    }
  }
  checkpoint_running = false;
}

Task<Status> CloudSync::State::write_checkpoint(const CloudLink& link) {
  auto cfg = registry.target(link.target);
  if (!cfg) co_return Status::not_found("cloud target '" + link.target + "' is gone");
  Caller sys = system_caller();
  SKY_CO_ASSIGN_OR_RETURN(BucketInfo bucket, co_await objects.head_bucket(sys, link.bucket));
  int64_t created = wall_ns();
  std::string body;
  uint64_t count = 0;
  ListVersionsOptions list;
  while (true) {
    auto page = co_await objects.list_object_versions(sys, link.bucket, list);
    SKY_CO_RETURN_IF_ERROR(page.status());
    for (const auto& v : page->versions) {
      json::object line{{"k", v.key}, {"id", v.version_id}, {"dm", v.delete_marker}};
      if (!v.delete_marker) {
        GetOptions get;
        get.version_id = v.version_id;
        auto full = co_await objects.head_object(sys, link.bucket, v.key, get);
        if (!full.is_ok()) continue;  // removed meanwhile
        std::optional<std::string> version = v.version_id;
        auto tags = co_await objects.get_object_tagging(sys, link.bucket, v.key, version);
        line["size"] = full->size;
        line["etag"] = full->etag;
        line["mtime"] = std::chrono::duration_cast<std::chrono::nanoseconds>(
                            full->last_modified.time_since_epoch())
                            .count();
        line["ct"] = full->content.content_type;
        line["ce"] = full->content.content_encoding;
        line["cd"] = full->content.content_disposition;
        line["cc"] = full->content.cache_control;
        line["meta"] = string_map(full->user_metadata);
        if (tags.is_ok()) line["tags"] = string_map(*tags);
      } else {
        line["mtime"] =
            std::chrono::duration_cast<std::chrono::nanoseconds>(v.last_modified.time_since_epoch())
                .count();
      }
      body += json::serialize(line);
      body += '\n';
      ++count;
    }
    if (!page->is_truncated) break;
    list.key_marker = page->next_key_marker;
    list.version_id_marker = page->next_version_id_marker;
  }
  json::object header{{"v", 1},
                      {"bucket", link.bucket},
                      {"versioning", versioning_name(bucket.versioning)},
                      {"created_ns", created},
                      {"versions", count}};
  body = json::serialize(header) + "\n" + body;

  char name[32];
  std::snprintf(name, sizeof(name), "%020lld.jsonl", static_cast<long long>(created));
  std::string key = checkpoint_prefix(*cfg) + name;
  SKY_CO_ASSIGN_OR_RETURN(TargetSlot * slot, slot_for(*cfg));
  SKY_CO_ASSIGN_OR_RETURN(auto md5, Checksum::create(ChecksumAlgorithm::kMd5));
  md5->update(body);
  std::string digest = md5->finish();
  uint32_t crc = crc32c(0, body.data(), body.size());
  CloudObjectAttrs attrs;
  attrs.content_type = "application/x-ndjson";
  size_t bytes = body.size();
  auto put = co_await slot->target->put_object(key, attrs, body, digest, crc);
  SKY_CO_RETURN_IF_ERROR(put.status());
  spdlog::info("cloud checkpoint of {}: {} versions, {} bytes -> {}", link.bucket, count, bytes,
               key);

  // Older checkpoints beyond the newest two go.
  std::vector<std::string> names;
  std::string token;
  std::string none;
  do {
    SKY_CO_ASSIGN_OR_RETURN(CloudListPage page,
                            co_await slot->target->list(checkpoint_prefix(*cfg), token, none));
    for (auto& e : page.entries) names.push_back(std::move(e.key));
    token = page.next_token;
  } while (!token.empty());
  std::sort(names.begin(), names.end());
  for (size_t i = 0; i + kKeepCheckpoints < names.size(); ++i) {
    SKY_CO_RETURN_IF_ERROR(co_await slot->target->remove(names[i]));
  }
  co_return Status::ok();
}

Task<Result<std::optional<CloudCheckpoint>>> CloudSync::State::read_checkpoint(
    CloudTarget& target, const CloudTargetConfig& cfg) {
  std::vector<std::string> names;
  std::string token;
  std::string none;
  do {
    SKY_CO_ASSIGN_OR_RETURN(CloudListPage page,
                            co_await target.list(checkpoint_prefix(cfg), token, none));
    for (auto& e : page.entries) names.push_back(std::move(e.key));
    token = page.next_token;
  } while (!token.empty());
  if (names.empty()) co_return std::optional<CloudCheckpoint>();
  std::sort(names.begin(), names.end());
  // The newest that reads back whole (a torn or foreign one is skipped).
  for (auto it = names.rbegin(); it != names.rend(); ++it) {
    auto body = co_await target.get(*it, 0, 0);
    if (!body.is_ok()) continue;
    CloudCheckpoint cp;
    cp.name = *it;
    bool ok = true;
    uint64_t lines = 0, expected = 0;
    size_t pos = 0;
    while (pos < body->size() && ok) {
      size_t nl = body->find('\n', pos);
      if (nl == std::string::npos) nl = body->size();
      boost::system::error_code ec;
      json::value v = json::parse(std::string_view(*body).substr(pos, nl - pos), ec);
      pos = nl + 1;
      if (ec || !v.is_object()) {
        ok = false;
        break;
      }
      const auto& o = v.as_object();
      if (lines++ == 0) {
        if (int_of(o, "v") != 1) ok = false;
        std::string vs = str_of(o, "versioning");
        cp.versioning = vs == "enabled"     ? VersioningState::kEnabled
                        : vs == "suspended" ? VersioningState::kSuspended
                                            : VersioningState::kUnversioned;
        cp.created_ns = int_of(o, "created_ns");
        expected = static_cast<uint64_t>(int_of(o, "versions"));
        continue;
      }
      ImportedObject obj;
      obj.version_id = str_of(o, "id");
      const json::value* dm = o.if_contains("dm");
      obj.delete_marker = dm && dm->is_bool() && dm->as_bool();
      obj.size = static_cast<uint64_t>(int_of(o, "size"));
      obj.etag = str_of(o, "etag");
      obj.mtime_ns = int_of(o, "mtime");
      obj.content.content_type = str_of(o, "ct");
      obj.content.content_encoding = str_of(o, "ce");
      obj.content.content_disposition = str_of(o, "cd");
      obj.content.cache_control = str_of(o, "cc");
      obj.user_metadata = map_of(o, "meta");
      obj.tags = map_of(o, "tags");
      // Stored newest first within a key; kept oldest first here.
      auto& versions = cp.keys[str_of(o, "k")];
      versions.insert(versions.begin(), std::move(obj));
    }
    if (ok && lines == expected + 1) co_return std::optional<CloudCheckpoint>(std::move(cp));
    spdlog::warn("cloud checkpoint {} is incomplete; trying an older one", *it);
  }
  co_return std::optional<CloudCheckpoint>();
}

}  // namespace skyarray::services
