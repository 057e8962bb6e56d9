// Admin routes for the cloud tier (services/cloud/CloudSync):
//   GET    /admin/v1/cloud/targets                 {"targets":[{name,endpoint,region,bucket,
//                                                   prefix,path_style,access_key,ca_file,
//                                                   bandwidth,window,flexible_checksums}]}
//   POST   /admin/v1/cloud/targets   {name,endpoint,region,bucket,prefix,path_style,
//                                     access_key,secret_key,ca_file,bandwidth,window,
//                                     flexible_checksums,replace,encrypt}
//   DELETE /admin/v1/cloud/targets/<name>
//   POST   /admin/v1/cloud/targets/<name>/test     {"ok":bool,"steps":[{step,ok,detail}],
//                                                   "object_lock":"enabled"|"not
//                                                   enabled"|"unsupported"}
//   GET    /admin/v1/cloud/links                   {"links":[{bucket,target,mode,
//                                                   allow_unlocked_copy,created}]}
//   POST   /admin/v1/cloud/links     {bucket,target,mode,initial_sync,allow_unlocked_copy}
//   DELETE /admin/v1/cloud/links/<bucket>
//   GET    /admin/v1/cloud/status                  backlog, rates, errors, links (each
//                                                   with its backlog), restore progress
//   POST   /admin/v1/cloud/restore   {target,bucket,mode}  (starts; 202)
//   GET    /admin/v1/cloud/restore                 progress of the last restore: phase
//                                                   (metadata|prefetch|done), serving,
//                                                   objects/bytes total/done, rate, ETA
// A target's secret key is accepted, never returned.
#pragma once

#include "protocols/admin/admin_module.h"

namespace skyarray::services {
class CloudSync;
}

namespace skyarray::admin {

class CloudAdmin : public AdminModule {
 public:
  explicit CloudAdmin(services::CloudSync& cloud) : cloud_(cloud) {}
  Task<std::optional<http::HttpResponse>> handle(const AdminCall& call) override;

 private:
  Task<http::HttpResponse> add_target(const AdminCall& call);
  Task<http::HttpResponse> add_link(const AdminCall& call);
  Task<http::HttpResponse> status();
  http::HttpResponse restore_progress();
  services::CloudSync& cloud_;
};

// The cloud tier's Prometheus families (skyarray_cloud_*): backlog objects,
// bytes and oldest unsynced age per linked bucket {bucket,target}, the alert
// threshold, upload rate and totals, errors, read-through, re-caching and
// restore progress. A MetricsAdmin source.
Task<std::string> cloud_metrics(services::CloudSync& cloud);

}  // namespace skyarray::admin
