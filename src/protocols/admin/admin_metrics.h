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
// chunks_{under_replicated,lost,with_lost_blocks}, rebuild_{running,queued_chunks,bytes_total,
// chunks_total,pass_bytes_done,pass_bytes_total,rate_bytes_per_second,eta_seconds},
// scrub_{running,passes_total,pass_chunks_done,pass_chunks_total,rate_bytes_per_second,
// eta_seconds,corrupt_blocks,repaired_replicas,unrepairable_chunks,unreferenced_files},
// store_{chunks_written,bytes_written,read_failovers,checksum_mismatches,replicas_repaired,
// data_loss_reads}_total.
// Other families come from sources added by the app (cloud: admin_cloud.h).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "protocols/admin/admin_module.h"

namespace skyarray::services {
class StorageService;
struct StorageHealth;
}  // namespace skyarray::services

namespace skyarray::admin {

// More exposition text appended to every answer.
using MetricsSource = std::function<Task<std::string>()>;

class MetricsAdmin : public AdminModule {
 public:
  explicit MetricsAdmin(services::StorageService& storage, std::vector<MetricsSource> sources = {})
      : storage_(storage), sources_(std::move(sources)) {}
  Task<std::optional<http::HttpResponse>> handle(const AdminCall& call) override;
  // The unauthenticated GET /metrics answer.
  Task<http::HttpResponse> serve();

 private:
  services::StorageService& storage_;
  std::vector<MetricsSource> sources_;
};

// Builds exposition text: families with HELP/TYPE, then their samples.
class PrometheusText {
 public:
  void family(std::string_view name, std::string_view type, std::string_view help);
  void sample(std::string_view name, double value, std::string_view labels = {});
  void gauge(std::string_view name, std::string_view help, double value);
  void counter(std::string_view name, std::string_view help, double value);
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

// A label value escaped (backslash, quote, newline).
std::string prometheus_label(std::string_view v);

// The exposition text for one health snapshot.
std::string prometheus_text(const services::StorageHealth& h);

}  // namespace skyarray::admin
