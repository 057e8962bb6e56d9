#include "protocols/admin/admin_drives.h"

#include <spdlog/spdlog.h>
#include <boost/json.hpp>
#include <charconv>
#include <cstdio>

#include "common/json_fields.h"
#include "services/storage/storage_service.h"

namespace json = boost::json;

namespace skyarray::admin {

namespace {

json::object drive_json(const DriveReport& d) {
  return {{"id", d.id},           {"path", d.path},
          {"label", d.label},     {"state", std::string(drive_state_name(d.state))},
          {"reason", d.reason},   {"capacity", d.space.capacity},
          {"used", d.space.used}, {"available", d.space.available},
          {"errors", d.errors},   {"checksum_errors", d.checksum_errors}};
}

json::object rebuild_json(const RebuildProgress& r) {
  return {{"running", r.running},
          {"queued_chunks", r.queued_chunks},
          {"lost_chunks", r.lost_chunks},
          {"pass_chunks_total", r.pass_chunks_total},
          {"pass_chunks_done", r.pass_chunks_done},
          {"pass_bytes_total", r.pass_bytes_total},
          {"pass_bytes_done", r.pass_bytes_done},
          {"pass_seconds", r.pass_seconds},
          {"rate_bytes_per_second", r.rate_bytes_per_second},
          {"eta_seconds", r.eta_seconds},
          {"chunks_rebuilt", r.chunks_rebuilt},
          {"bytes_rebuilt", r.bytes_rebuilt},
          {"replicas_dropped", r.replicas_dropped},
          {"errors", r.errors}};
}

json::object scrub_json(const ScrubProgress& s) {
  return {{"running", s.running},
          {"passes_completed", s.passes_completed},
          {"pass_chunks_total", s.pass_chunks_total},
          {"pass_chunks_done", s.pass_chunks_done},
          {"pass_bytes_done", s.pass_bytes_done},
          {"pass_seconds", s.pass_seconds},
          {"rate_bytes_per_second", s.rate_bytes_per_second},
          {"eta_seconds", s.eta_seconds},
          {"last_pass_end", s.last_pass_end_ms == 0
                                ? std::string()
                                : format_iso8601(std::chrono::system_clock::time_point(
                                      std::chrono::milliseconds(s.last_pass_end_ms)))},
          {"corrupt_blocks", s.corrupt_blocks},
          {"corrupt_headers", s.corrupt_headers},
          {"missing_replicas", s.missing_replicas},
          {"replicas_repaired", s.replicas_repaired},
          {"unrepairable_chunks", s.unrepairable_chunks},
          {"under_replicated", s.under_replicated},
          {"misplaced", s.misplaced},
          {"unreferenced_files", s.unreferenced_files}};
}

Result<uint32_t> drive_id(std::string_view text) {
  uint32_t id = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return Status::invalid_argument("drive id '" + std::string(text) + "' is not a number");
  }
  return id;
}

Result<services::NewDrive> new_drive(const json::object& body) {
  services::NewDrive d;
  d.path = json_fields::string_of(body, "path");
  d.label = json_fields::string_of(body, "label");
  if (auto* w = body.if_contains("weight")) {
    if (!w->is_number()) return Status::invalid_argument("weight must be a number");
    d.weight = w->to_number<double>();
  }
  if (auto* c = body.if_contains("capacity")) {
    if (!c->is_number()) return Status::invalid_argument("capacity must be a number of bytes");
    d.capacity = c->to_number<uint64_t>();
  }
  return d;
}

json::object metadata_json(const MetaProtectionStatus& m) {
  json::array targets, failed;
  for (const auto& t : m.journal.targets) targets.push_back(json::value(t));
  for (const auto& t : m.journal.failed) failed.push_back(json::value(t));
  return {{"state", m.state},
          {"reason", m.reason},
          {"last_checkpoint_ms", m.last_checkpoint_ms},
          {"last_checkpoint_sequence", m.last_checkpoint_sequence},
          {"last_checkpoint_error", m.last_checkpoint_error},
          {"sequence", m.sequence},
          {"journal_segment", m.journal.segment},
          {"journal_copies", std::move(targets)},
          {"journal_failed", std::move(failed)},
          {"journal_bytes", m.journal.bytes},
          {"journal_records", m.journal.records},
          {"journal_appends", m.journal.appends},
          {"journal_syncs", m.journal.syncs}};
}

}  // namespace

json::object health_json(const services::StorageHealth& h) {
  json::array drives;
  for (const auto& d : h.store.drives) drives.push_back(drive_json(d));
  json::array lost;
  for (const auto& l : h.store.lost) {
    char id[17];
    std::snprintf(id, sizeof(id), "%016llx", static_cast<unsigned long long>(l.chunk_id));
    lost.push_back(json::object{{"chunk", id},
                                {"object", l.object},
                                {"detail", l.detail},
                                {"first_seen", format_iso8601(std::chrono::system_clock::time_point(
                                                   std::chrono::milliseconds(l.first_seen_ms)))},
                                {"reads", l.reads}});
  }
  const StoreStats& s = h.store;
  return {
      {"status", h.status},
      {"drives", std::move(drives)},
      {"drive_states",
       {{"online", h.drives_online},
        {"degraded", h.drives_degraded},
        {"offline", h.drives_offline},
        {"draining", h.drives_draining}}},
      {"array",
       {{"capacity", s.array.capacity}, {"used", s.array.used}, {"available", s.array.available}}},
      {"chunks",
       {{"under_replicated", h.rebuild.queued_chunks},
        {"lost", h.rebuild.lost_chunks},
        {"with_lost_blocks", h.store.lost.size()}}},
      {"data_loss", std::move(lost)},
      {"rebuild", rebuild_json(h.rebuild)},
      {"scrub", scrub_json(h.scrub)},
      {"metadata", metadata_json(h.metadata)},
      {"counters",
       {{"chunks_written", s.chunks_written},
        {"bytes_written", s.bytes_written},
        {"under_replicated_writes", s.under_replicated_writes},
        {"shared_domain_writes", s.shared_domain_writes},
        {"read_failovers", s.read_failovers},
        {"checksum_mismatches", s.checksum_mismatches},
        {"replicas_repaired", s.replicas_repaired},
        {"data_loss_reads", s.data_loss_reads},
        {"chunks_collected", s.chunks_collected},
        {"orphans_removed", s.orphans_removed},
        {"verified_cache_hits", s.verified_cache_hits},
        {"verified_cache_bytes", s.verified_cache_bytes}}}};
}

Task<std::optional<http::HttpResponse>> DrivesAdmin::handle(const AdminCall& call) {
  if (call.is("GET", {"health"})) {
    auto h = co_await storage_.health();
    if (!h.is_ok()) co_return error_response(h.status());
    co_return json_response(200, health_json(*h));
  }
  if (call.is("POST", {"scrub"})) {
    Status s = co_await storage_.start_scrub();
    if (!s.is_ok()) co_return error_response(s);
    spdlog::info("admin: {} started a scrub pass", call.caller);
    co_return json_response(202, {{"scrub", "started"}});
  }
  if (call.is("POST", {"checkpoint"})) {
    Status s = co_await storage_.checkpoint();
    if (!s.is_ok()) co_return error_response(s);
    spdlog::info("admin: {} checkpointed the metadata", call.caller);
    co_return json_response(200, {{"checkpoint", "written"}});
  }
  if (call.is("GET", {"drives"})) {
    auto list = co_await storage_.list_drives();
    if (!list.is_ok()) co_return error_response(list.status());
    json::array arr;
    for (const auto& d : *list) arr.push_back(drive_json(d));
    co_return json_response(200, {{"drives", std::move(arr)}});
  }
  if (call.is("POST", {"drives"})) {
    auto spec = new_drive(call.body);
    if (!spec.is_ok()) co_return error_response(spec.status());
    auto d = co_await storage_.add_drive(std::move(*spec));
    if (!d.is_ok()) co_return error_response(d.status());
    spdlog::info("admin: {} added drive {} at {}", call.caller, d->id, d->path);
    co_return json_response(201, drive_json(*d));
  }
  if (call.path.size() < 2 || call.path[0] != "drives") co_return std::nullopt;
  auto id = drive_id(call.path[1]);
  if (call.is("DELETE", {"drives", "*"})) {
    if (!id.is_ok()) co_return error_response(id.status());
    Status s = co_await storage_.remove_drive(*id);
    if (!s.is_ok()) co_return error_response(s);
    spdlog::info("admin: {} removed drive {}", call.caller, *id);
    co_return json_response(200, {{"removed", *id}});
  }
  if (call.is("POST", {"drives", "*", "replace"})) {
    if (!id.is_ok()) co_return error_response(id.status());
    auto spec = new_drive(call.body);
    if (!spec.is_ok()) co_return error_response(spec.status());
    auto d = co_await storage_.replace_drive(*id, std::move(*spec));
    if (!d.is_ok()) co_return error_response(d.status());
    spdlog::info("admin: {} replaced drive {} by drive {}", call.caller, *id, d->id);
    co_return json_response(201, drive_json(*d));
  }
  for (std::string_view op : {"fail", "drain", "online"}) {
    if (!call.is("POST", {"drives", "*", op})) continue;
    if (!id.is_ok()) co_return error_response(id.status());
    Status s;
    if (op == "fail") {
      s = co_await storage_.fail_drive(*id);
    } else if (op == "drain") {
      s = co_await storage_.drain_drive(*id);
    } else {
      s = co_await storage_.online_drive(*id);
    }
    if (!s.is_ok()) co_return error_response(s);
    spdlog::info("admin: {} set drive {} {}", call.caller, *id, op);
    co_return json_response(200, {{"drive", *id}, {"action", std::string(op)}});
  }
  co_return std::nullopt;
}

}  // namespace skyarray::admin
