#include "protocols/admin/admin_cloud.h"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "services/cloud/cloud_sync.h"
#include "services/cloud/encrypt_format.h"

namespace json = boost::json;

namespace skyarray::admin {

namespace {

bool bool_field(const json::object& o, std::string_view k, bool dflt) {
  auto* v = o.if_contains(k);
  return v && v->is_bool() ? v->as_bool() : dflt;
}

uint64_t uint_field(const json::object& o, std::string_view k) {
  auto* v = o.if_contains(k);
  if (v && v->is_uint64()) return v->as_uint64();
  if (v && v->is_int64() && v->as_int64() > 0) return static_cast<uint64_t>(v->as_int64());
  return 0;
}

json::object target_json(const services::CloudTargetConfig& t) {
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
          {"flexible_checksums", t.flexible_checksums},
          {"encryption_key_id", t.encryption_key_id}};
}

json::object link_json(const services::CloudLink& l) {
  return {{"bucket", l.bucket},
          {"target", l.target},
          {"mode", std::string(services::link_mode_name(l.mode))},
          {"cache_bytes", l.cache_bytes},
          {"pins", json::value_from(l.pins)},
          {"created", iso_time(std::chrono::system_clock::time_point(
                          std::chrono::duration_cast<std::chrono::system_clock::duration>(
                              std::chrono::nanoseconds(l.created_ns))))}};
}

json::array links_json(const std::vector<services::CloudLink>& links) {
  json::array arr;
  for (const auto& l : links) arr.push_back(link_json(l));
  return arr;
}

}  // namespace

Task<std::optional<http::HttpResponse>> CloudAdmin::handle(const AdminCall& call) {
  if (call.path.empty() || call.path[0] != "cloud") co_return std::nullopt;
  if (call.is("GET", {"cloud", "targets"})) {
    json::array arr;
    for (const auto& t : cloud_.targets()) arr.push_back(target_json(t));
    co_return json_response(200, {{"targets", std::move(arr)}});
  }
  if (call.is("POST", {"cloud", "targets"})) co_return co_await add_target(call);
  if (call.is("DELETE", {"cloud", "targets", "*"})) {
    std::string name = call.path[2];
    Status s = co_await cloud_.remove_target(name);
    if (!s.is_ok()) co_return error_response(s);
    spdlog::info("admin: {} removed cloud target {}", call.caller, name);
    co_return json_response(200, {{"removed", name}});
  }
  if (call.is("POST", {"cloud", "targets", "*", "test"})) {
    auto target = cloud_.target(call.path[2]);
    if (!target)
      co_return error_response(Status::not_found("no cloud target '" + call.path[2] + "'"));
    auto steps = co_await cloud_.test_target(*target);
    json::array arr;
    bool ok = true;
    for (const auto& s : steps) {
      ok = ok && s.ok;
      arr.push_back(json::object{{"step", s.name}, {"ok", s.ok}, {"detail", s.detail}});
    }
    co_return json_response(200, {{"ok", ok}, {"steps", std::move(arr)}});
  }
  if (call.is("GET", {"cloud", "links"})) {
    co_return json_response(200, {{"links", links_json(cloud_.links())}});
  }
  if (call.is("POST", {"cloud", "links"})) co_return co_await add_link(call);
  if (call.is("DELETE", {"cloud", "links", "*"})) {
    std::string bucket = call.path[2];
    Status s = co_await cloud_.unlink(bucket);
    if (!s.is_ok()) co_return error_response(s);
    spdlog::info("admin: {} unlinked bucket {}", call.caller, bucket);
    co_return json_response(200, {{"unlinked", bucket}});
  }
  if (call.is("GET", {"cloud", "status"})) co_return co_await status();
  if (call.is("POST", {"cloud", "restore"})) {
    auto mode = services::parse_link_mode(
        string_field(call.body, "mode").empty() ? "sync" : string_field(call.body, "mode"));
    if (!mode) co_return error_response(Status::invalid_argument("mode is sync|cache|subscribe"));
    Status s = cloud_.start_restore(string_field(call.body, "target"),
                                    string_field(call.body, "bucket"), *mode, call.caller);
    if (!s.is_ok()) co_return error_response(s);
    spdlog::info("admin: {} started restore of {} from {}", call.caller,
                 string_field(call.body, "bucket"), string_field(call.body, "target"));
    auto res = restore_progress();
    res.status = 202;
    co_return res;
  }
  if (call.is("GET", {"cloud", "restore"})) co_return restore_progress();
  co_return std::nullopt;
}

Task<http::HttpResponse> CloudAdmin::add_target(const AdminCall& call) {
  const auto& b = call.body;
  services::CloudTargetConfig t;
  t.name = string_field(b, "name");
  t.endpoint = string_field(b, "endpoint");
  if (!string_field(b, "region").empty()) t.region = string_field(b, "region");
  t.bucket = string_field(b, "bucket");
  t.prefix = string_field(b, "prefix");
  t.path_style = bool_field(b, "path_style", true);
  t.access_key = string_field(b, "access_key");
  t.secret_key = string_field(b, "secret_key");
  t.ca_file = string_field(b, "ca_file");
  t.bandwidth = uint_field(b, "bandwidth");
  t.window = string_field(b, "window");
  t.flexible_checksums = bool_field(b, "flexible_checksums", true);
  bool replace = bool_field(b, "replace", false);
  auto existing = cloud_.target(t.name);
  if (bool_field(b, "encrypt", false) && (!existing || existing->encryption_key_id.empty())) {
    auto kek = services::new_encryption_key();  // a replaced target keeps its key
    t.encryption_key_id = kek.id;
    t.encryption_key = kek.key;
  }
  Status s = co_await cloud_.add_target(t, replace);
  if (!s.is_ok()) co_return error_response(s);
  spdlog::info("admin: {} added cloud target {} ({} bucket {})", call.caller, t.name, t.endpoint,
               t.bucket);
  co_return json_response(201, target_json(t));
}

Task<http::HttpResponse> CloudAdmin::add_link(const AdminCall& call) {
  services::CloudLink link;
  link.bucket = string_field(call.body, "bucket");
  link.target = string_field(call.body, "target");
  std::string mode_name = string_field(call.body, "mode");
  auto mode = services::parse_link_mode(mode_name.empty() ? "sync" : mode_name);
  if (!mode) co_return error_response(Status::invalid_argument("mode is sync|cache|subscribe"));
  link.mode = *mode;
  link.cache_bytes = uint_field(call.body, "cache_bytes");
  if (auto* pins = call.body.if_contains("pins"); pins && pins->is_array()) {
    for (const auto& p : pins->as_array()) {
      if (p.is_string()) link.pins.emplace_back(p.as_string());
    }
  }
  if (link.mode == services::LinkMode::kCache && link.cache_bytes == 0) {
    co_return error_response(Status::invalid_argument("cache mode needs cache_bytes"));
  }
  bool initial_sync = bool_field(call.body, "initial_sync", true);
  Status s = co_await cloud_.link(link, initial_sync);
  if (!s.is_ok()) co_return error_response(s);
  spdlog::info("admin: {} linked bucket {} to {} ({})", call.caller, link.bucket, link.target,
               mode_name);
  for (const auto& l : cloud_.links()) {
    if (l.bucket == link.bucket) co_return json_response(201, link_json(l));
  }
  co_return json_response(201, link_json(link));
}

Task<http::HttpResponse> CloudAdmin::status() {
  auto st = co_await cloud_.status();
  if (!st.is_ok()) co_return error_response(st.status());
  int64_t now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  double oldest_age =
      st->backlog.oldest_ns ? static_cast<double>(now_ns - st->backlog.oldest_ns) / 1e9 : 0.0;
  co_return json_response(200, {{"backlog_objects", st->backlog.objects},
                                {"backlog_bytes", st->backlog.bytes},
                                {"oldest_unsynced_seconds", oldest_age},
                                {"uploaded_objects", st->uploaded_objects},
                                {"uploaded_bytes", st->uploaded_bytes},
                                {"deleted_objects", st->deleted_objects},
                                {"upload_rate_bytes_per_second", st->upload_rate},
                                {"errors", st->errors},
                                {"evicted_objects", st->evicted_objects},
                                {"evicted_bytes", st->evicted_bytes},
                                {"read_through_bytes", st->read_through_bytes},
                                {"last_error", st->last_error},
                                {"alert", st->alert},
                                {"links", links_json(cloud_.links())}});
}

http::HttpResponse CloudAdmin::restore_progress() {
  auto p = cloud_.restore_progress();
  return json_response(200, {{"running", p.running},
                             {"done", p.done},
                             {"bucket", p.bucket},
                             {"target", p.target},
                             {"error", p.error},
                             {"objects_total", p.objects_total},
                             {"objects_done", p.objects_done},
                             {"bytes_total", p.bytes_total},
                             {"bytes_done", p.bytes_done},
                             {"started_ns", p.started_ns},
                             {"finished_ns", p.finished_ns}});
}

}  // namespace skyarray::admin
