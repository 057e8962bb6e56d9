// Admin routes and /metrics lines of the lifecycle worker
// (services/objects/object_lifecycle.h):
//   GET /admin/v1/lifecycle   progress and counts: {"buckets":[{bucket,
//                             pass_day, phase, running, pass_started,
//                             pass_finished, pass:{counts}, total:{counts}}],
//                             "total":{counts}, passes_running, steps, errors}
//   GET /admin/v1/lifecycle/dry-run?bucket=B[&limit=N]
//                             what the rules would do now, doing nothing:
//                             {"bucket", "actions":[{action, key, version_id |
//                             upload_id, rule, due, size, locked}]}
// counts: scanned, expired, noncurrent_expired, markers_removed,
// uploads_aborted, skipped_locked.
// Metrics: skyarray_lifecycle_{scanned,expired,noncurrent_expired,
// markers_removed,uploads_aborted,skipped_locked}_total (all passes, every
// bucket; persisted, so they survive restarts), skyarray_lifecycle_passes_running,
// skyarray_lifecycle_errors_total (since start).
#pragma once

#include <string>

#include "common/async.h"
#include "protocols/admin/admin_module.h"

namespace skyarray::services {
class ObjectLifecycle;
}

namespace skyarray::admin {

class LifecycleAdmin : public AdminModule {
 public:
  explicit LifecycleAdmin(services::ObjectLifecycle& lifecycle) : lifecycle_(lifecycle) {}
  Task<std::optional<http::HttpResponse>> handle(const AdminCall& call) override;

 private:
  services::ObjectLifecycle& lifecycle_;
};

Task<std::string> lifecycle_metrics(services::ObjectLifecycle& lifecycle);

}  // namespace skyarray::admin
