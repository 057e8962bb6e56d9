#include "protocols/admin/admin_metrics.h"

#include <fmt/format.h>

#include "services/storage/storage_service.h"

namespace skyarray::admin {

void PrometheusText::family(std::string_view name, std::string_view type, std::string_view help) {
  out_ += fmt::format("# HELP skyarray_{} {}\n# TYPE skyarray_{} {}\n", name, help, name, type);
}

void PrometheusText::sample(std::string_view name, double value, std::string_view labels) {
  if (labels.empty()) {
    out_ += fmt::format("skyarray_{} {}\n", name, value);
  } else {
    out_ += fmt::format("skyarray_{}{{{}}} {}\n", name, labels, value);
  }
}

void PrometheusText::gauge(std::string_view name, std::string_view help, double value) {
  family(name, "gauge", help);
  sample(name, value);
}

void PrometheusText::counter(std::string_view name, std::string_view help, double value) {
  family(name, "counter", help);
  sample(name, value);
}

std::string prometheus_label(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    out += c == '\n' ? 'n' : c;
  }
  return out;
}

std::string prometheus_text(const services::StorageHealth& h) {
  PrometheusText e;
  e.family("drive_state", "gauge", "1 for the drive's current state");
  for (const auto& d : h.store.drives) {
    for (DriveState st : {DriveState::kOnline, DriveState::kDegraded, DriveState::kOffline,
                          DriveState::kDraining}) {
      e.sample("drive_state", d.state == st ? 1 : 0,
               fmt::format("drive=\"{}\",label=\"{}\",state=\"{}\"", d.id,
                           prometheus_label(d.label), drive_state_name(st)));
    }
  }
  struct PerDrive {
    const char* name;
    const char* type;
    const char* help;
    uint64_t (*get)(const DriveReport&);
  };
  const PerDrive per_drive[] = {
      {"drive_capacity_bytes", "gauge", "usable bytes",
       [](const DriveReport& d) { return d.space.capacity; }},
      {"drive_used_bytes", "gauge", "bytes used",
       [](const DriveReport& d) { return d.space.used; }},
      {"drive_available_bytes", "gauge", "bytes writable above the reserve",
       [](const DriveReport& d) { return d.space.available; }},
      {"drive_io_errors_total", "counter", "I/O errors seen",
       [](const DriveReport& d) { return d.errors; }},
      {"drive_checksum_errors_total", "counter", "blocks failing CRC32C",
       [](const DriveReport& d) { return d.checksum_errors; }},
  };
  for (const auto& m : per_drive) {
    e.family(m.name, m.type, m.help);
    for (const auto& d : h.store.drives) {
      e.sample(m.name, static_cast<double>(m.get(d)), fmt::format("drive=\"{}\"", d.id));
    }
  }
  const auto& r = h.rebuild;
  const auto& s = h.scrub;
  e.gauge("chunks_under_replicated", "chunks queued for re-replication", r.queued_chunks);
  e.gauge("chunks_lost", "chunks with no readable replica", r.lost_chunks);
  e.gauge("chunks_with_lost_blocks", "chunks with a block no replica serves", h.store.lost.size());
  e.gauge("rebuild_running", "1 while a rebuild pass runs", r.running);
  e.gauge("rebuild_pass_chunks_total", "chunks in the current pass", r.pass_chunks_total);
  e.gauge("rebuild_pass_chunks_done", "chunks done in the current pass", r.pass_chunks_done);
  e.gauge("rebuild_pass_bytes_total", "bytes to copy in the current pass", r.pass_bytes_total);
  e.gauge("rebuild_pass_bytes_done", "bytes copied in the current pass", r.pass_bytes_done);
  e.gauge("rebuild_rate_bytes_per_second", "rebuild rate of the current pass",
          r.rate_bytes_per_second);
  e.gauge("rebuild_eta_seconds", "estimated time to finish the pass", r.eta_seconds);
  e.counter("rebuild_bytes_total", "bytes written to new replicas", r.bytes_rebuilt);
  e.counter("rebuild_chunks_total", "chunks given new replicas", r.chunks_rebuilt);
  e.gauge("scrub_running", "1 while a scrub pass is in progress", s.running);
  e.counter("scrub_passes_total", "scrub passes completed", s.passes_completed);
  e.gauge("scrub_pass_chunks_total", "chunks in the current pass", s.pass_chunks_total);
  e.gauge("scrub_pass_chunks_done", "chunks scrubbed in the current pass", s.pass_chunks_done);
  e.gauge("scrub_rate_bytes_per_second", "scrub read rate", s.rate_bytes_per_second);
  e.gauge("scrub_eta_seconds", "estimated time to finish the pass", s.eta_seconds);
  e.gauge("scrub_corrupt_blocks", "corrupt blocks found by this pass", s.corrupt_blocks);
  e.gauge("scrub_repaired_replicas", "replicas rewritten by this pass", s.replicas_repaired);
  e.gauge("scrub_unrepairable_chunks", "chunks with a block bad everywhere", s.unrepairable_chunks);
  e.gauge("scrub_unreferenced_files", "chunk files no record references", s.unreferenced_files);
  const auto& c = h.store;
  e.counter("store_chunks_written_total", "chunks written", c.chunks_written);
  e.counter("store_bytes_written_total", "chunk bytes written by writers, every replica",
            c.bytes_written);
  e.counter("store_read_failovers_total", "reads served by another replica", c.read_failovers);
  e.counter("store_checksum_mismatches_total", "blocks failing CRC32C", c.checksum_mismatches);
  e.counter("store_replicas_repaired_total", "replicas rewritten from good copies",
            c.replicas_repaired);
  e.counter("store_data_loss_reads_total", "reads that met a block no replica serves",
            c.data_loss_reads);
  e.counter("store_verified_cache_hits_total", "pieces sent from chunks checked before",
            c.verified_cache_hits);
  e.gauge("store_verified_cache_bytes", "chunk bytes held checked in memory",
          c.verified_cache_bytes);
  return e.take();
}

Task<http::HttpResponse> MetricsAdmin::serve() {
  auto h = co_await storage_.health();
  if (!h.is_ok()) co_return error_response(h.status());
  http::HttpResponse r;
  r.status = 200;
  r.set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
  r.body = prometheus_text(*h);
  for (const auto& source : sources_) r.body += co_await source();
  co_return r;
}

Task<std::optional<http::HttpResponse>> MetricsAdmin::handle(const AdminCall& call) {
  if (!call.is("GET", {"metrics"})) co_return std::nullopt;
  co_return co_await serve();
}

}  // namespace skyarray::admin
