#include "protocols/admin/admin_audit.h"

#include <algorithm>
#include <boost/json.hpp>

#include "common/ascii.h"
#include "common/time.h"
#include "protocols/admin/admin_metrics.h"
#include "services/audit/audit_archiver.h"
#include "services/audit/audit_log.h"

namespace json = boost::json;

namespace skyarray::admin {

namespace {

constexpr uint64_t kMaxPage = 10000;

}  // namespace

json::object audit_report_json(const services::audit::AuditVerifyReport& report) {
  json::array problems;
  for (const auto& p : report.problems) {
    problems.push_back(json::object{
        {"segment", p.segment}, {"record", p.record}, {"kind", p.kind}, {"detail", p.detail}});
  }
  return json::object{{"ok", report.ok()},
                      {"segments", report.segments},
                      {"records", report.records},
                      {"problems", std::move(problems)}};
}

Task<std::string> audit_metrics(const services::audit::AuditLog& log,
                                const services::audit::AuditArchiver* archiver) {
  const auto c = log.counters();
  PrometheusText e;
  e.counter("audit_records_total", "audit records written (seals included)",
            static_cast<double>(c.records));
  e.counter("audit_write_errors_total", "audit records lost to a failed write",
            static_cast<double>(c.write_errors));
  e.counter("audit_sync_errors_total", "failed syncs of the audit log",
            static_cast<double>(c.sync_errors));
  e.gauge("audit_segment", "the audit segment being written", static_cast<double>(c.segment));
  if (archiver) {
    const auto p = archiver->progress();
    e.gauge("audit_archived_segment", "the last sealed audit segment copied to the upload target",
            static_cast<double>(p.archived));
    e.gauge("audit_archive_failing", "1 while copying sealed audit segments fails",
            p.last_error.empty() ? 0 : 1);
  }
  co_return e.take();
}

Task<std::optional<http::HttpResponse>> AuditAdmin::handle(const AdminCall& call) {
  if (call.path.empty() || call.path[0] != "audit") co_return std::nullopt;
  if (!log_) {
    co_return error_response(
        Status::not_supported("the audit log is turned off ([audit] enabled = false)"));
  }
  if (call.is("GET", {"audit", "verify"})) {
    auto report = co_await log_->verify();
    if (!report.is_ok()) co_return error_response(report.status());
    co_return json_response(200, audit_report_json(*report));
  }
  if (call.is("GET", {"audit", "records"})) {
    Timestamp since{};
    if (auto s = call.query_param("since")) {
      auto t = parse_iso8601(*s);
      if (!t) co_return error_response(Status::invalid_argument("since must be ISO 8601"));
      since = *t;
    }
    std::optional<uint64_t> after = 0, limit = kMaxPage;
    if (auto a = call.query_param("after")) after = parse_u64(*a);
    if (auto l = call.query_param("limit")) limit = parse_u64(*l);
    if (!after || !limit || *limit == 0) {
      co_return error_response(
          Status::invalid_argument("after and limit must be numbers (limit above 0)"));
    }
    auto page = co_await log_->export_since(since, *after, std::min(*limit, kMaxPage));
    if (!page.is_ok()) co_return error_response(page.status());
    json::array lines;
    for (auto& line : page->lines) lines.emplace_back(line);
    co_return json_response(200, json::object{{"lines", std::move(lines)},
                                              {"next_after", page->next_after},
                                              {"more", page->more}});
  }
  co_return error_response(Status::not_found("no such audit route"));
}

}  // namespace skyarray::admin
