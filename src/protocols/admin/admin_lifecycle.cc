// Admin routes and metrics of the lifecycle worker (admin_lifecycle.h).
#include "protocols/admin/admin_lifecycle.h"

#include <spdlog/spdlog.h>

#include "common/ascii.h"
#include "protocols/admin/admin_metrics.h"
#include "services/objects/object_lifecycle.h"

namespace json = boost::json;

namespace skyarray::admin {

namespace {

using services::LifecycleAction;
using services::LifecycleCounts;

json::object counts_json(const LifecycleCounts& c) {
  return {{"scanned", c.scanned},
          {"expired", c.expired},
          {"noncurrent_expired", c.noncurrent_expired},
          {"markers_removed", c.markers_removed},
          {"uploads_aborted", c.uploads_aborted},
          {"skipped_locked", c.skipped_locked}};
}

std::string date_text(int64_t ns) {
  return ns == 0 ? "" : format_iso8601(from_ns(ns));
}

json::object status_json(const services::LifecycleStatus& s) {
  json::array buckets;
  for (const auto& b : s.buckets) {
    const auto& p = b.progress;
    static constexpr const char* kPhases[] = {"versions", "uploads", "done"};
    buckets.push_back(
        json::object{{"bucket", b.name},
                     {"pass_day", p.pass_day < 0 ? std::string()
                                                 : date_text(p.pass_day * services::kNanosPerDay)},
                     {"phase", kPhases[std::min<int>(p.phase, 2)]},
                     {"running", !p.done()},
                     {"pass_started", date_text(p.pass_started_ns)},
                     {"pass_finished", date_text(p.pass_finished_ns)},
                     {"pass", counts_json(p.pass)},
                     {"total", counts_json(p.total)}});
  }
  return {{"buckets", std::move(buckets)},
          {"total", counts_json(s.total)},
          {"passes_running", s.passes_running},
          {"steps", s.steps},
          {"errors", s.errors}};
}

json::object action_json(const services::ObjectLifecycle::DryRunAction& d) {
  const LifecycleAction& a = d.action;
  json::object o{{"action", std::string(services::lifecycle_action_name(a.kind))},
                 {"key", a.key},
                 {"rule", a.rule_id},
                 {"due", date_text(a.due_ns)},
                 {"size", a.size},
                 {"locked", d.locked}};
  o[a.kind == LifecycleAction::Kind::kAbortUpload ? "upload_id" : "version_id"] = a.version_id;
  return o;
}

}  // namespace

Task<std::optional<http::HttpResponse>> LifecycleAdmin::handle(const AdminCall& call) {
  if (call.is("GET", {"lifecycle"})) {
    auto s = co_await lifecycle_.status();
    if (!s.is_ok()) co_return error_response(s.status());
    co_return json_response(200, status_json(*s));
  }
  if (call.is("GET", {"lifecycle", "dry-run"})) {
    const std::string bucket = call.query_param("bucket").value_or("");
    if (bucket.empty()) co_return error_response(Status::invalid_argument("?bucket= is required"));
    uint64_t limit = 1000;
    if (auto l = call.query_param("limit")) {
      auto n = parse_u64(*l);
      if (!n || *n == 0) co_return error_response(Status::invalid_argument("bad ?limit="));
      limit = *n;
    }
    const services::Caller system{"", true, false};
    auto actions = co_await lifecycle_.dry_run(system, bucket, limit);
    if (!actions.is_ok()) co_return error_response(actions.status());
    json::array out;
    for (const auto& a : *actions) out.push_back(action_json(a));
    co_return json_response(200, json::object{{"bucket", bucket}, {"actions", std::move(out)}});
  }
  co_return std::nullopt;
}

Task<std::string> lifecycle_metrics(services::ObjectLifecycle& lifecycle) {
  auto s = co_await lifecycle.status();
  if (!s.is_ok()) co_return std::string();
  const LifecycleCounts& c = s->total;
  PrometheusText e;
  e.counter("lifecycle_scanned_total", "keys and uploads the lifecycle passes examined",
            static_cast<double>(c.scanned));
  e.counter("lifecycle_expired_total", "current versions expired by lifecycle rules",
            static_cast<double>(c.expired));
  e.counter("lifecycle_noncurrent_expired_total", "noncurrent versions removed by lifecycle rules",
            static_cast<double>(c.noncurrent_expired));
  e.counter("lifecycle_markers_removed_total", "expired object delete markers removed",
            static_cast<double>(c.markers_removed));
  e.counter("lifecycle_uploads_aborted_total", "incomplete multipart uploads aborted",
            static_cast<double>(c.uploads_aborted));
  e.counter("lifecycle_skipped_locked_total",
            "lifecycle removals refused because Object Lock protects the version",
            static_cast<double>(c.skipped_locked));
  e.gauge("lifecycle_passes_running", "buckets whose lifecycle pass of the day is unfinished",
          static_cast<double>(s->passes_running));
  e.counter("lifecycle_errors_total", "lifecycle steps that failed since start",
            static_cast<double>(s->errors));
  co_return e.take();
}

}  // namespace skyarray::admin
