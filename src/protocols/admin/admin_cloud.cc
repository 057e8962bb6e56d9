#include "protocols/admin/admin_cloud.h"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "common/json_fields.h"
#include "protocols/admin/admin_metrics.h"
#include "services/cloud/cloud_sync.h"
#include "services/cloud/cloud_target_codec.h"
#include "services/cloud/encrypt_format.h"

namespace json = boost::json;

namespace skyarray::admin {

namespace {

json::object target_json(const services::CloudTargetConfig& t) {
  json::object o = services::CloudTargetCodec::encode(t);
  o["encryption_key_id"] = t.encryption_key_id;
  return o;
}

json::object link_json(const services::CloudLink& l) {
  return {{"bucket", l.bucket},
          {"target", l.target},
          {"mode", std::string(services::link_mode_name(l.mode))},
          {"cache_bytes", l.cache_bytes},
          {"pins", json::value_from(l.pins)},
          {"allow_unlocked_copy", l.allow_unlocked_copy},
          {"lock_cloud_copy", l.lock_cloud_copy},
          {"created", format_iso8601(std::chrono::system_clock::time_point(
                          std::chrono::duration_cast<std::chrono::system_clock::duration>(
                              std::chrono::nanoseconds(l.created_ns))))}};
}

json::array links_json(const std::vector<services::CloudLink>& links) {
  json::array arr;
  for (const auto& l : links) arr.push_back(link_json(l));
  return arr;
}

int64_t wall_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Seconds since the oldest change still waiting (0 when none): the RPO.
double age_seconds(int64_t oldest_ns) {
  return oldest_ns ? static_cast<double>(wall_ns() - oldest_ns) / 1e9 : 0.0;
}

std::string link_labels(const services::CloudSyncStatus::PerLink& l) {
  return "bucket=\"" + prometheus_label(l.bucket) + "\",target=\"" + prometheus_label(l.target) +
         "\"";
}

json::object restore_json(const services::RestoreProgress& p) {
  return {{"running", p.running},
          {"done", p.done},
          {"serving", p.serving},
          {"phase", p.phase},
          {"bucket", p.bucket},
          {"target", p.target},
          {"error", p.error},
          {"objects_total", p.objects_total},
          {"objects_done", p.objects_done},
          {"objects_failed", p.objects_failed},
          {"checkpoint", p.checkpoint},
          {"versions_restored", p.versions_restored},
          {"bytes_total", p.bytes_total},
          {"bytes_done", p.bytes_done},
          {"rate_bytes_per_second", p.rate_bytes_per_second},
          {"eta_seconds", p.eta_seconds},
          {"started_ns", p.started_ns},
          {"finished_ns", p.finished_ns}};
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
    auto test = co_await cloud_.test_target(*target);
    json::array arr;
    bool ok = true;
    json::object answer;
    for (const auto& s : test.steps) {
      ok = ok && s.ok;
      arr.push_back(json::object{{"step", s.name}, {"ok", s.ok}, {"detail", s.detail}});
    }
    if (test.object_lock)
      answer["object_lock"] = std::string(services::cloud_object_lock_name(*test.object_lock));
    answer["ok"] = ok;
    answer["steps"] = std::move(arr);
    co_return json_response(200, std::move(answer));
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
    auto mode = services::parse_link_mode(json_fields::string_of(call.body, "mode").empty()
                                              ? "sync"
                                              : json_fields::string_of(call.body, "mode"));
    if (!mode) co_return error_response(Status::invalid_argument("mode is sync|cache|subscribe"));
    Status s =
        cloud_.start_restore(json_fields::string_of(call.body, "target"),
                             json_fields::string_of(call.body, "bucket"), *mode, call.caller);
    if (!s.is_ok()) co_return error_response(s);
    spdlog::info("admin: {} started restore of {} from {}", call.caller,
                 json_fields::string_of(call.body, "bucket"),
                 json_fields::string_of(call.body, "target"));
    auto res = restore_progress();
    res.status = 202;
    co_return res;
  }
  if (call.is("GET", {"cloud", "restore"})) co_return restore_progress();
  co_return std::nullopt;
}

Task<http::HttpResponse> CloudAdmin::add_target(const AdminCall& call) {
  const auto& b = call.body;
  services::CloudTargetConfig t = services::CloudTargetCodec::decode(b);
  t.secret_key = json_fields::string_of(b, "secret_key");
  bool replace = json_fields::bool_of(b, "replace", false);
  auto existing = cloud_.target(t.name);
  if (json_fields::bool_of(b, "encrypt", false) &&
      (!existing || existing->encryption_key_id.empty())) {
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
  link.bucket = json_fields::string_of(call.body, "bucket");
  link.target = json_fields::string_of(call.body, "target");
  std::string mode_name = json_fields::string_of(call.body, "mode");
  auto mode = services::parse_link_mode(mode_name.empty() ? "sync" : mode_name);
  if (!mode) co_return error_response(Status::invalid_argument("mode is sync|cache|subscribe"));
  link.mode = *mode;
  link.cache_bytes = json_fields::uint_of(call.body, "cache_bytes");
  link.allow_unlocked_copy = json_fields::bool_of(call.body, "allow_unlocked_copy", false);
  if (auto* pins = call.body.if_contains("pins"); pins && pins->is_array()) {
    for (const auto& p : pins->as_array()) {
      if (p.is_string()) link.pins.emplace_back(p.as_string());
    }
  }
  if (link.mode == services::LinkMode::kCache && link.cache_bytes == 0) {
    co_return error_response(Status::invalid_argument("cache mode needs cache_bytes"));
  }
  bool initial_sync = json_fields::bool_of(call.body, "initial_sync", true);
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
  json::array links = links_json(cloud_.links());
  for (auto& l : links) {
    auto& o = l.as_object();
    for (const auto& pl : st->links) {
      if (pl.bucket != o.at("bucket").as_string()) continue;
      o["backlog_objects"] = pl.backlog.objects;
      o["backlog_bytes"] = pl.backlog.bytes;
      o["oldest_unsynced_seconds"] = age_seconds(pl.backlog.oldest_ns);
    }
  }
  co_return json_response(200, {{"backlog_objects", st->backlog.objects},
                                {"backlog_bytes", st->backlog.bytes},
                                {"oldest_unsynced_seconds", age_seconds(st->backlog.oldest_ns)},
                                {"uploaded_objects", st->uploaded_objects},
                                {"uploaded_bytes", st->uploaded_bytes},
                                {"deleted_objects", st->deleted_objects},
                                {"upload_rate_bytes_per_second", st->upload_rate},
                                {"errors", st->errors},
                                {"evicted_objects", st->evicted_objects},
                                {"evicted_bytes", st->evicted_bytes},
                                {"read_through_bytes", st->read_through_bytes},
                                {"recached_objects", st->recached_objects},
                                {"recached_bytes", st->recached_bytes},
                                {"last_error", st->last_error},
                                {"alert", st->alert},
                                {"alert_backlog_objects", st->alert_backlog_objects},
                                {"restore", restore_json(cloud_.restore_progress())},
                                {"links", std::move(links)}});
}

http::HttpResponse CloudAdmin::restore_progress() {
  return json_response(200, restore_json(cloud_.restore_progress()));
}

Task<std::string> cloud_metrics(services::CloudSync& cloud) {
  auto st = co_await cloud.status();
  if (!st.is_ok()) co_return std::string();
  PrometheusText e;
  e.family("cloud_backlog_objects", "gauge", "changes waiting for upload, per linked bucket");
  for (const auto& l : st->links) {
    e.sample("cloud_backlog_objects", static_cast<double>(l.backlog.objects), link_labels(l));
  }
  e.family("cloud_backlog_bytes", "gauge", "bytes waiting for upload, per linked bucket");
  for (const auto& l : st->links) {
    e.sample("cloud_backlog_bytes", static_cast<double>(l.backlog.bytes), link_labels(l));
  }
  e.family("cloud_oldest_unsynced_seconds", "gauge",
           "age of the oldest change not yet in the cloud (RPO), per linked bucket");
  for (const auto& l : st->links) {
    e.sample("cloud_oldest_unsynced_seconds", age_seconds(l.backlog.oldest_ns), link_labels(l));
  }
  e.gauge("cloud_backlog_alert_threshold_objects", "backlog that raises the alert",
          static_cast<double>(st->alert_backlog_objects));
  e.gauge("cloud_backlog_alert", "1 while the backlog is above the threshold", st->alert);
  e.gauge("cloud_upload_rate_bytes_per_second", "upload rate over the last 10 s", st->upload_rate);
  e.counter("cloud_uploaded_bytes_total", "bytes uploaded", st->uploaded_bytes);
  e.counter("cloud_uploaded_objects_total", "objects uploaded", st->uploaded_objects);
  e.counter("cloud_deleted_objects_total", "deletes propagated to the cloud", st->deleted_objects);
  e.counter("cloud_errors_total", "failed cloud operations (retried)", st->errors);
  e.counter("cloud_evicted_bytes_total", "bytes evicted by cache links", st->evicted_bytes);
  e.counter("cloud_read_through_bytes_total", "bytes of evicted objects read from the cloud",
            st->read_through_bytes);
  e.counter("cloud_recached_objects_total", "evicted objects stored again on read",
            st->recached_objects);
  auto r = cloud.restore_progress();
  e.gauge("cloud_restore_running", "1 while a restore runs", r.running);
  e.gauge("cloud_restore_prefetch_objects_total", "objects the restore downloads",
          static_cast<double>(r.objects_total));
  e.gauge("cloud_restore_prefetch_objects_done", "objects the restore has downloaded",
          static_cast<double>(r.objects_done));
  e.gauge("cloud_restore_prefetch_bytes_total", "bytes the restore downloads",
          static_cast<double>(r.bytes_total));
  e.gauge("cloud_restore_prefetch_bytes_done", "bytes the restore has downloaded",
          static_cast<double>(r.bytes_done));
  e.gauge("cloud_restore_rate_bytes_per_second", "restore download rate", r.rate_bytes_per_second);
  e.gauge("cloud_restore_eta_seconds", "estimated time to finish the restore", r.eta_seconds);
  co_return e.take();
}

}  // namespace skyarray::admin
