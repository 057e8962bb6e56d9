// Admin routes for the audit log (services/audit/audit_log.h):
//   GET /admin/v1/audit/verify
//       {"ok": bool, "segments": n, "records": n,
//        "problems": [{"segment", "record", "kind", "detail"}...]}
//       (record: the 1-based line in the segment file; 0 for a whole
//       segment; kind: edited | missing | reordered | inserted | truncated)
//   GET /admin/v1/audit/records?since=<ISO 8601>&after=<seq>&limit=<n>
//       {"lines": ["<record as stored>"...], "next_after": seq, "more": bool}
//       oldest first, at most `limit` (default and maximum 10000); page on
//       with after = next_after while more is true
// With the log turned off ([audit] enabled = false) both answer 501.
//
// Metrics (audit_metrics, a MetricsSource): skyarray_audit_records_total,
// _write_errors_total, _sync_errors_total, _segment; with an archive,
// skyarray_audit_archived_segment and skyarray_audit_archive_failing.
#pragma once

#include <boost/json/object.hpp>

#include "protocols/admin/admin_module.h"

namespace skyarray::services::audit {
class AuditArchiver;
class AuditLog;
struct AuditVerifyReport;
}  // namespace skyarray::services::audit

namespace skyarray::admin {

// The verify answer's body (also what `skyarray admin audit verify --dir`
// prints with --json).
boost::json::object audit_report_json(const services::audit::AuditVerifyReport& report);

// Exposition text for /metrics; `archiver` may be null (no upload target).
Task<std::string> audit_metrics(const services::audit::AuditLog& log,
                                const services::audit::AuditArchiver* archiver);

class AuditAdmin : public AdminModule {
 public:
  // `log` may be null: the audit log is turned off.
  explicit AuditAdmin(services::audit::AuditLog* log) : log_(log) {}
  Task<std::optional<http::HttpResponse>> handle(const AdminCall& call) override;

 private:
  services::audit::AuditLog* log_;
};

}  // namespace skyarray::admin
