// `skyarray admin audit verify|export`: the audit log
// (protocols/admin/admin_audit.h routes).
//
//   verify            walks every segment; prints OK, or each place the
//                     chain breaks ("segment 3 record 17: edited: ...");
//                     exits 1 when it is broken. With --dir, checks a
//                     directory of segments here, without the box (a copy,
//                     or a stopped box's <data>/audit)
//   export --since T  prints the records at or after T (ISO 8601), one JSON
//                     object per line, exactly as stored
#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <cstdio>
#include <memory>

#include "app/admin_cli.h"
#include "common/time.h"
#include "protocols/admin/admin_audit.h"
#include "services/audit/audit_log.h"

namespace json = boost::json;

namespace skyarray::app {

namespace {

// The box reads every segment: a long log takes a while.
constexpr int kVerifyTimeoutSeconds = 3600;

struct AuditArgs {
  std::string since;
  std::string dir;
};

Result<json::value> verify_report(const AdminCli& cli, const AuditArgs& args) {
  if (args.dir.empty()) {
    AdminRequest request{"GET", "audit/verify", {}};
    request.timeout_seconds = kVerifyTimeoutSeconds;
    return cli.call(request);
  }
  SKY_ASSIGN_OR_RETURN(auto report, services::audit::AuditLog::verify_dir(args.dir));
  return json::value(admin::audit_report_json(report));
}

int verify(const AdminCli& cli, const AuditArgs& args) {
  auto answer = verify_report(cli, args);
  if (!answer.is_ok()) {
    std::fprintf(stderr, "skyarray admin: %s\n", answer.status().message().c_str());
    return 2;
  }
  const json::object& o = answer->as_object();
  const bool ok = o.at("ok").as_bool();
  if (cli.json_output()) {
    std::printf("%s\n", json::serialize(*answer).c_str());
    return ok ? 0 : 1;
  }
  if (ok) {
    std::printf("OK: %s segments, %s records, chain intact\n", field_text(o, "segments").c_str(),
                field_text(o, "records").c_str());
    return 0;
  }
  std::printf("BROKEN: the audit chain breaks in %zu places\n", o.at("problems").as_array().size());
  for (const auto& p : o.at("problems").as_array()) {
    const json::object& problem = p.as_object();
    std::string record = field_text(problem, "record");
    std::printf("segment %s%s: %s: %s\n", field_text(problem, "segment").c_str(),
                record == "0" ? "" : (" record " + record).c_str(),
                field_text(problem, "kind").c_str(), field_text(problem, "detail").c_str());
  }
  return 1;
}

int export_records(const AdminCli& cli, const AuditArgs& args) {
  std::string query;
  if (!args.since.empty()) {
    if (!parse_iso8601(args.since)) {
      std::fprintf(stderr, "skyarray admin: --since must be ISO 8601 (2026-12-08T00:00:00Z)\n");
      return 2;
    }
    query = "since=" + path_segment(args.since) + "&";
  }
  std::string after = "0";
  for (;;) {
    auto answer = cli.call(AdminRequest{"GET", "audit/records?" + query + "after=" + after, {}});
    if (!answer.is_ok()) {
      std::fprintf(stderr, "skyarray admin: %s\n", answer.status().message().c_str());
      return 2;
    }
    const json::object& o = answer->as_object();
    for (const auto& line : o.at("lines").as_array()) {
      std::printf("%s\n", std::string(line.as_string()).c_str());
    }
    if (!o.at("more").as_bool()) return 0;
    after = field_text(o, "next_after");
  }
}

}  // namespace

void add_audit_commands(CLI::App* admin, AdminCli& cli) {
  auto args = std::make_shared<AuditArgs>();
  auto* audit =
      admin->add_subcommand("audit", "check and export the audit log")->require_subcommand(1);
  auto* check = audit->add_subcommand("verify", "check the hash chain of every segment");
  check->add_option("--dir", args->dir,
                    "check the segments in this directory here, without the box");
  cli.add_custom(check, [args](const AdminCli& c) { return verify(c, *args); });
  auto* exp = audit->add_subcommand("export", "print records as JSON lines, oldest first");
  exp->add_option("--since", args->since, "only records at or after this time (ISO 8601)");
  cli.add_custom(exp, [args](const AdminCli& c) { return export_records(c, *args); });
}

}  // namespace skyarray::app
