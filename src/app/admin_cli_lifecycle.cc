// `skyarray admin lifecycle status|dry-run`: the lifecycle worker's progress
// and what a bucket's rules would do now (protocols/admin/admin_lifecycle.h
// routes). `admin health` shows the same progress in one line.
#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <cstdio>
#include <memory>

#include "app/admin_cli.h"

namespace json = boost::json;

namespace skyarray::app {

namespace {

struct LifecycleArgs {
  std::string bucket;
  uint64_t limit = 1000;
};

std::string counts_text(const json::object& c) {
  char buf[256];
  std::snprintf(buf, sizeof(buf),
                "%.0f expired, %.0f noncurrent expired, %.0f delete markers removed, %.0f "
                "uploads aborted, %.0f skipped (locked); %.0f examined",
                number(c, "expired"), number(c, "noncurrent_expired"), number(c, "markers_removed"),
                number(c, "uploads_aborted"), number(c, "skipped_locked"), number(c, "scanned"));
  return buf;
}

void print_status(const json::value& v) {
  const auto& s = v.as_object();
  json::array rows;
  for (const auto& b : s.at("buckets").as_array()) {
    json::object row = b.as_object();
    row["state"] = row.at("running").as_bool() ? "running (" + field_text(row, "phase") + ")"
                                               : std::string("done");
    row["this pass"] = counts_text(row.at("pass").as_object());
    rows.push_back(std::move(row));
  }
  print_table(rows, {"bucket", "state", "pass_day", "this pass"});
  std::printf("all passes: %s\n", counts_text(s.at("total").as_object()).c_str());
}

}  // namespace

std::string lifecycle_health_line(const json::value& v) {
  const auto& s = v.as_object();
  return "lifecycle " + std::to_string(s.at("buckets").as_array().size()) + " buckets, " +
         field_text(s, "passes_running") + " passes running; " +
         counts_text(s.at("total").as_object());
}

void add_lifecycle_commands(CLI::App* admin, AdminCli& cli) {
  auto args = std::make_shared<LifecycleArgs>();
  auto* lifecycle =
      admin->add_subcommand("lifecycle", "bucket lifecycle rules: progress and dry runs")
          ->require_subcommand(1);
  cli.add(
      lifecycle->add_subcommand("status", "each bucket's pass and what it did"),
      [] {
        return AdminRequest{"GET", "lifecycle", {}};
      },
      print_status);
  auto* dry = lifecycle->add_subcommand("dry-run", "list what a bucket's rules would do now");
  dry->add_option("--bucket", args->bucket, "the bucket")->required();
  dry->add_option("--limit", args->limit, "list at most this many actions");
  cli.add(
      dry,
      [args] {
        return AdminRequest{"GET",
                            "lifecycle/dry-run?bucket=" + path_segment(args->bucket) +
                                "&limit=" + std::to_string(args->limit),
                            {}};
      },
      [](const json::value& v) {
        json::array rows;
        for (const auto& a : v.at("actions").as_array()) {
          json::object row = a.as_object();
          row["version"] = row.contains("upload_id") ? field_text(row, "upload_id")
                                                     : field_text(row, "version_id");
          row["locked"] = row.at("locked").as_bool() ? "yes (skipped)" : "";
          rows.push_back(std::move(row));
        }
        print_table(rows, {"action", "key", "version", "rule", "due", "locked"});
        std::printf("%zu actions\n", rows.size());
      });
}

}  // namespace skyarray::app
