// `skyarray admin drive ...`, `admin health [--watch]` (with the lifecycle
// line), `admin scrub start`:
// drives and self-healing (protocols/admin/admin_drives.h routes).
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <thread>

#include "app/admin_cli.h"
#include "common/config.h"
#include "store/metadata_recovery.h"
#include "store/store_options.h"

namespace json = boost::json;

namespace skyarray::app {

namespace {

struct DriveArgs {
  std::string id;
  std::string path;
  std::string label;
  double weight = 1.0;
  uint64_t capacity = 0;
  // health
  bool watch = false;
  double interval = 2;
  bool until_idle = false;
  double timeout = 0;
  // recover-metadata
  std::string data_dir = "./data";
  std::string data_dir_set;  // --data, overriding the config file
  std::string config;
  bool force = false;
};

const std::vector<std::string> kDriveColumns = {"id",   "state",     "label",  "path",
                                                "used", "available", "errors", "checksum_errors"};

void print_drives(const json::array& drives) {
  json::array rows;
  for (const auto& d : drives) {
    json::object row = d.as_object();
    row["used"] = bytes_text(number(row, "used"));
    row["available"] = bytes_text(number(row, "available"));
    if (!field_text(row, "reason").empty()) {
      row["state"] = field_text(row, "state") + " (" + field_text(row, "reason") + ")";
    }
    rows.push_back(std::move(row));
  }
  print_table(rows, kDriveColumns);
}

void print_health(const json::value& v) {
  const auto& h = v.as_object();
  const auto& states = h.at("drive_states").as_object();
  const auto& chunks = h.at("chunks").as_object();
  const auto& r = h.at("rebuild").as_object();
  const auto& s = h.at("scrub").as_object();
  const auto& a = h.at("array").as_object();
  std::printf("status   %s\n", field_text(h, "status").c_str());
  std::printf("drives   %.0f online, %.0f degraded, %.0f offline, %.0f draining\n",
              number(states, "online"), number(states, "degraded"), number(states, "offline"),
              number(states, "draining"));
  std::printf("space    %s used of %s, %s available\n", bytes_text(number(a, "used")).c_str(),
              bytes_text(number(a, "capacity")).c_str(),
              bytes_text(number(a, "available")).c_str());
  std::printf("chunks   %.0f under-replicated, %.0f lost, %.0f with a lost block\n",
              number(chunks, "under_replicated"), number(chunks, "lost"),
              number(chunks, "with_lost_blocks"));
  if (const auto* lost = h.if_contains("data_loss")) {
    size_t shown = 0;
    for (const auto& l : lost->as_array()) {
      if (++shown > 20) {
        std::printf("lost     ... and %zu more (--json lists them all)\n",
                    lost->as_array().size() - 20);
        break;
      }
      const auto& e = l.as_object();
      std::string what = field_text(e, "object").empty()
                             ? "chunk " + field_text(e, "chunk")
                             : "chunk " + field_text(e, "chunk") + " of " + field_text(e, "object");
      std::printf("lost     %s: %s (since %s, %.0f reads failed)\n", what.c_str(),
                  field_text(e, "detail").c_str(), field_text(e, "first_seen").c_str(),
                  number(e, "reads"));
    }
  }
  if (h.contains("metadata")) {
    const auto& m = h.at("metadata").as_object();
    std::printf("metadata %s%s%s; journal %zu copies, %s since checkpoint\n",
                field_text(m, "state").c_str(), field_text(m, "reason").empty() ? "" : ": ",
                field_text(m, "reason").c_str(),
                m.at("journal_copies").as_array().size() - m.at("journal_failed").as_array().size(),
                bytes_text(number(m, "journal_bytes")).c_str());
  }
  double rt = number(r, "pass_bytes_total"), rd = number(r, "pass_bytes_done");
  if (r.at("running").as_bool()) {
    std::printf("rebuild  %s %3.0f%%  %.0f/%.0f chunks  %s of %s  %s/s  ETA %s\n",
                bar(rt > 0 ? rd / rt : 0).c_str(), rt > 0 ? 100 * rd / rt : 0,
                number(r, "pass_chunks_done"), number(r, "pass_chunks_total"),
                bytes_text(rd).c_str(), bytes_text(rt).c_str(),
                bytes_text(number(r, "rate_bytes_per_second")).c_str(),
                duration_text(number(r, "eta_seconds")).c_str());
  } else {
    std::printf("rebuild  idle; last pass %s in %s (%s/s); %s rebuilt since start\n",
                bytes_text(rd).c_str(), duration_text(number(r, "pass_seconds")).c_str(),
                bytes_text(number(r, "rate_bytes_per_second")).c_str(),
                bytes_text(number(r, "bytes_rebuilt")).c_str());
  }
  double st = number(s, "pass_chunks_total"), sd = number(s, "pass_chunks_done");
  std::printf(
      "scrub    %s %3.0f%%  %.0f/%.0f chunks  %s/s  ETA %s  (passes %.0f, last end %s)\n",
      bar(st > 0 ? sd / st : 0).c_str(), st > 0 ? 100 * sd / st : 0, sd, st,
      bytes_text(number(s, "rate_bytes_per_second")).c_str(),
      s.at("running").as_bool() ? duration_text(number(s, "eta_seconds")).c_str() : "-",
      number(s, "passes_completed"),
      field_text(s, "last_pass_end").empty() ? "never" : field_text(s, "last_pass_end").c_str());
  std::printf(
      "         found %.0f corrupt blocks, %.0f bad headers, %.0f missing replicas; repaired %.0f;"
      " %.0f unrepairable; %.0f unreferenced files\n",
      number(s, "corrupt_blocks"), number(s, "corrupt_headers"), number(s, "missing_replicas"),
      number(s, "replicas_repaired"), number(s, "unrepairable_chunks"),
      number(s, "unreferenced_files"));
  if (const auto* lifecycle = h.if_contains("lifecycle")) {
    std::printf("%s\n", lifecycle_health_line(*lifecycle).c_str());
  }
  print_drives(h.at("drives").as_array());
}

std::string fmt_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.0f", v);
  return buf;
}

// What keeps redundancy from being restored, for --until-idle; empty when
// nothing does: no chunk queued for re-replication and no rebuild pass
// running.
std::string pending_work(const json::object& h) {
  const auto& r = h.at("rebuild").as_object();
  double queued = number(h.at("chunks").as_object(), "under_replicated");
  bool running = r.at("running").as_bool();
  if (queued == 0 && !running) return "";
  std::string out = fmt_number(queued) + " chunks under-replicated";
  if (double lost = number(h.at("chunks").as_object(), "lost"); lost > 0) {
    out += " (" + fmt_number(lost) + " with no readable replica: they cannot be rebuilt)";
  }
  if (running) {
    double total = number(r, "pass_bytes_total"), done = number(r, "pass_bytes_done");
    out += "; rebuild running, " + fmt_number(total > 0 ? 100 * done / total : 0) + "% (" +
           bytes_text(done) + " of " + bytes_text(total) + ")";
  } else {
    out += "; rebuild not running (retried every rebuild_interval; errors so far: " +
           fmt_number(number(r, "errors")) + ")";
  }
  return out;
}

int run_health(const AdminCli& cli, const DriveArgs& args) {
  auto start = std::chrono::steady_clock::now();
  const bool tty = ::isatty(STDOUT_FILENO);
  for (;;) {
    auto answer = cli.call(AdminRequest{"GET", "health", {}});
    if (!answer.is_ok()) {
      std::fprintf(stderr, "skyarray admin: %s\n", answer.status().message().c_str());
      return 1;
    }
    // The lifecycle worker's progress (a separate route: another service).
    if (auto lifecycle = cli.call(AdminRequest{"GET", "lifecycle", {}}); lifecycle.is_ok()) {
      answer->as_object()["lifecycle"] = std::move(*lifecycle);
    }
    const auto& h = answer->as_object();
    const std::string pending = pending_work(h);
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const bool timed_out = args.timeout > 0 && elapsed > args.timeout;
    // --until-idle alone shows only the last answer; --watch every one.
    const bool show = args.watch || !args.until_idle || pending.empty() || timed_out;
    if (show) {
      if (args.watch && tty) std::printf("\033[H\033[J");
      if (cli.json_output()) {
        std::printf("%s\n", json::serialize(*answer).c_str());
      } else {
        print_health(*answer);
      }
      std::fflush(stdout);
    }
    if (args.until_idle) {
      if (pending.empty()) return 0;
      if (timed_out) {
        std::fprintf(stderr, "skyarray admin: redundancy not restored after %.0f s: %s\n",
                     args.timeout, pending.c_str());
        return 3;
      }
    } else if (!args.watch) {
      return 0;
    } else if (timed_out) {
      return 0;  // --watch --timeout: watched long enough
    }
    if (args.watch && !tty) std::printf("\n");
    std::this_thread::sleep_for(std::chrono::duration<double>(args.interval));
  }
}

// Runs on the box itself, with the array stopped: the metadata it rebuilds
// is what a running array would be serving from.
int run_recover_metadata(const DriveArgs& args) {
  auto fail = [](const Status& s) {
    std::fprintf(stderr, "skyarray admin recover-metadata: %s\n", s.to_string().c_str());
    return 1;
  };
  Config config;
  if (!args.config.empty()) {
    auto loaded = Config::load(args.config);
    if (!loaded.is_ok()) return fail(loaded.status());
    config = std::move(*loaded);
  }
  std::string data_dir = args.data_dir;
  auto server = config.root().section("server");
  if (!server.is_ok()) return fail(server.status());
  if (Status s = server->read("data_dir", &data_dir); !s.is_ok()) return fail(s);
  if (!args.data_dir_set.empty()) data_dir = args.data_dir_set;
  auto store = config.root().section("store");
  auto drives = config.root().array("drive");
  if (!store.is_ok()) return fail(store.status());
  if (!drives.is_ok()) return fail(drives.status());
  auto options = StoreOptions::from_config(*store, *drives, data_dir);
  if (!options.is_ok()) return fail(options.status());
  auto report = MetadataRecovery::run(*options, args.force);
  if (!report.is_ok()) return fail(report.status());
  const auto& r = *report;
  std::printf(
      "metadata restored from %s (array %s)\n"
      "checkpoint sequence     %llu\n"
      "journal batches replayed %llu from %llu segment files (%s)\n"
      "last sequence           %llu\n"
      "drives scanned          %llu\n"
      "chunk files scanned     %llu\n"
      "chunk records           %llu\n"
      "replica lists corrected %llu\n"
      "queued for rebuild      %llu\n"
      "lost (no replica)       %llu\n"
      "untrusted headers       %llu\n"
      "unreferenced files      %llu kept in <drive>/lost+found\n"
      "start the array with `skyarray serve`; the rebuild runs by itself.\n",
      r.checkpoint.c_str(), r.array_id.c_str(), (unsigned long long)r.checkpoint_sequence,
      (unsigned long long)r.journal_batches, (unsigned long long)r.journal_segments,
      r.journal_stopped.c_str(), (unsigned long long)r.last_sequence,
      (unsigned long long)r.drives_scanned, (unsigned long long)r.chunk_files_scanned,
      (unsigned long long)r.chunk_records, (unsigned long long)r.records_changed,
      (unsigned long long)r.chunks_under_replicated, (unsigned long long)r.chunks_lost,
      (unsigned long long)r.files_bad_header, (unsigned long long)r.files_to_lost_found);
  return r.chunks_lost > 0 ? 2 : 0;
}

}  // namespace

void add_drive_commands(CLI::App* admin, AdminCli& cli) {
  auto args = std::make_shared<DriveArgs>();
  auto* drive = admin->add_subcommand("drive", "manage data drives")->require_subcommand(1);

  cli.add(
      drive->add_subcommand("list", "list drives with state and space"),
      [] {
        return AdminRequest{"GET", "drives", {}};
      },
      [](const json::value& v) { print_drives(v.at("drives").as_array()); });

  auto* add = drive->add_subcommand("add", "add a drive directory to the running array");
  add->add_option("path", args->path, "absolute path of the drive's directory")->required();
  add->add_option("--label", args->label, "failure domains: node/enclosure/bay");
  add->add_option("--weight", args->weight, "relative share of new data")->capture_default_str();
  add->add_option("--capacity", args->capacity, "quota in bytes (0: the filesystem's size)");
  cli.add(
      add,
      [args] {
        json::object body{{"path", args->path}, {"weight", args->weight}};
        if (!args->label.empty()) body["label"] = args->label;
        if (args->capacity > 0) body["capacity"] = args->capacity;
        return AdminRequest{"POST", "drives", std::move(body)};
      },
      [](const json::value& v) { print_drives(json::array{v}); });

  struct Action {
    const char* name;
    const char* help;
  };
  for (Action a : {Action{"fail", "take a drive out of service now; rebuild its data elsewhere"},
                   Action{"drain", "move a drive's data away (redundancy kept), then remove it"},
                   Action{"online", "return a failed or drained drive to service"}}) {
    auto* cmd = drive->add_subcommand(a.name, a.help);
    cmd->add_option("id", args->id, "drive id (see drive list)")->required();
    std::string op = a.name;
    cli.add(
        cmd,
        [args, op] {
          return AdminRequest{"POST", "drives/" + path_segment(args->id) + "/" + op, {}};
        },
        print_fields);
  }

  auto* replace = drive->add_subcommand("replace", "replace a drive by a new one in its place");
  replace->add_option("id", args->id, "drive id to replace")->required();
  replace->add_option("path", args->path, "absolute path of the new drive")->required();
  replace->add_option("--label", args->label, "failure domains (default: the old drive's)");
  cli.add(
      replace,
      [args] {
        json::object body{{"path", args->path}};
        if (!args->label.empty()) body["label"] = args->label;
        return AdminRequest{"POST", "drives/" + path_segment(args->id) + "/replace",
                            std::move(body)};
      },
      [](const json::value& v) { print_drives(json::array{v}); });

  auto* remove = drive->add_subcommand("remove", "remove an empty (drained or rebuilt) drive");
  remove->add_option("id", args->id, "drive id")->required();
  cli.add(
      remove,
      [args] {
        return AdminRequest{"DELETE", "drives/" + path_segment(args->id), {}};
      },
      print_fields);

  auto* health = admin->add_subcommand("health", "drive states, redundancy, rebuild and scrub");
  health->add_flag("--watch", args->watch, "refresh until interrupted");
  health->add_option("--interval", args->interval, "seconds between refreshes")
      ->capture_default_str();
  health->add_flag("--until-idle", args->until_idle,
                   "wait until redundancy is restored (nothing under-replicated, no rebuild "
                   "running); exit 3 saying what is pending if --timeout passes first");
  health->add_option("--timeout", args->timeout,
                     "with --until-idle or --watch: stop after this many seconds (0: never)");
  cli.add_custom(health, [args](const AdminCli& c) { return run_health(c, *args); });

  cli.add(
      admin->add_subcommand("checkpoint", "checkpoint the metadata to the data drives now"),
      [] {
        return AdminRequest{"POST", "checkpoint", {}};
      },
      print_fields);

  auto* recover = admin->add_subcommand(
      "recover-metadata",
      "rebuild a lost metadata directory from the newest drive checkpoint and a scan of chunk "
      "headers (run on the box, array stopped)");
  recover->add_option("--data", args->data_dir_set, "data directory (default ./data)");
  recover->add_option("--config", args->config, "the array's TOML configuration");
  recover->add_flag("--force", args->force, "replace an existing metadata database");
  cli.add_custom(recover, [args](const AdminCli&) { return run_recover_metadata(*args); });

  auto* scrub = admin->add_subcommand("scrub", "background integrity check")->require_subcommand(1);
  cli.add(
      scrub->add_subcommand("start", "start a scrub pass now"),
      [] {
        return AdminRequest{"POST", "scrub", {}};
      },
      print_fields);
}

}  // namespace skyarray::app
