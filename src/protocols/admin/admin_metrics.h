// Prometheus text metrics (exposition format 0.0.4) for the admin listener:
//   GET /metrics            for a Prometheus scraper, with the bearer token
//                           of protocols/admin/metrics_auth.h (checked by the
//                           app, which routes the path here before the admin
//                           API's SigV4 authentication).
//   GET /admin/v1/metrics   the same text through the signed admin API.
// Only counts, sizes, states and rates: no names of objects, no secrets.
//
// Storage families (all prefixed skyarray_): drive_state{drive,label,state},
// drive_{capacity,used,available}_bytes{drive}, drive_{io,checksum}_errors_total{drive},
// chunks_{under_replicated,lost}, rebuild_{running,queued_chunks,bytes_total,
// chunks_total,pass_bytes_done,pass_bytes_total,rate_bytes_per_second,eta_seconds},
// scrub_{running,passes_total,pass_chunks_done,pass_chunks_total,rate_bytes_per_second,
// eta_seconds,corrupt_blocks,repaired_replicas,unrepairable_chunks,unreferenced_files},
// store_{chunks_written,read_failovers,checksum_mismatches,replicas_repaired}_total.
#pragma once

#include "protocols/admin/admin_module.h"

namespace skyarray::services {
class StorageService;
struct StorageHealth;
}  // namespace skyarray::services

namespace skyarray::admin {

class MetricsAdmin : public AdminModule {
 public:
  explicit MetricsAdmin(services::StorageService& storage) : storage_(storage) {}
  Task<std::optional<http::HttpResponse>> handle(const AdminCall& call) override;
  // The unauthenticated GET /metrics answer.
  Task<http::HttpResponse> serve();

 private:
  services::StorageService& storage_;
};

// The exposition text for one health snapshot.
std::string prometheus_text(const services::StorageHealth& h);

}  // namespace skyarray::admin
