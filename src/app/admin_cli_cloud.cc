// `skyarray admin cloud ...`: cloud targets, bucket links, sync status and
// restore from the cloud (protocols/admin/admin_cloud.h routes).
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <thread>

#include "app/admin_cli.h"
#include "app/admin_cli_cloud_keys.h"
#include "services/cloud/cloud_target_codec.h"

namespace json = boost::json;

namespace skyarray::app {

namespace {

struct CloudArgs {
  std::string name;
  std::string bucket;
  // `cloud add`: the target as typed (secrets may come from the environment).
  services::CloudTargetConfig cloud;
  bool virtual_host = false;
  bool no_flexible_checksums = false;
  bool replace = false;
  std::string target;
  std::string mode = "sync";
  bool no_initial_sync = false;
  bool allow_unlocked = false;
  uint64_t cache_bytes = 0;
  std::vector<std::string> pins;
  bool no_wait = false;
  bool watch = false;
  bool encrypt = false;
  std::string key_file;
};

std::string env_or(const std::string& v, const char* name) {
  if (!v.empty()) return v;
  const char* e = std::getenv(name);
  return e ? e : "";
}

// "prefetch [####......] 40%  12/30 objects  4.0 MiB of 10.0 MiB  1.0 MiB/s  ETA 6s"
std::string restore_line(const json::object& o) {
  double done = number(o, "bytes_done"), total = number(o, "bytes_total");
  double frac = total > 0 ? done / total : (o.at("done").as_bool() ? 1.0 : 0.0);
  char buf[256];
  std::snprintf(buf, sizeof(buf), "%s %s %s %3.0f%%  %s/%s objects  %s of %s  %s/s  ETA %s%s",
                field_text(o, "bucket").c_str(), field_text(o, "phase").c_str(), bar(frac).c_str(),
                frac * 100, field_text(o, "objects_done").c_str(),
                field_text(o, "objects_total").c_str(), bytes_text(done).c_str(),
                bytes_text(total).c_str(), bytes_text(number(o, "rate_bytes_per_second")).c_str(),
                duration_text(number(o, "eta_seconds")).c_str(),
                o.at("serving").as_bool() && o.at("running").as_bool() ? "  (serving reads)" : "");
  return buf;
}

void print_status(const json::value& v) {
  const auto& o = v.as_object();
  std::printf("backlog            %s objects, %s\n", field_text(o, "backlog_objects").c_str(),
              bytes_text(o.at("backlog_bytes").to_number<double>()).c_str());
  std::printf("oldest unsynced    %.1f s\n", o.at("oldest_unsynced_seconds").to_number<double>());
  std::printf("uploaded           %s objects, %s\n", field_text(o, "uploaded_objects").c_str(),
              bytes_text(o.at("uploaded_bytes").to_number<double>()).c_str());
  std::printf("deleted in cloud   %s objects\n", field_text(o, "deleted_objects").c_str());
  std::printf("upload rate        %s/s\n",
              bytes_text(o.at("upload_rate_bytes_per_second").to_number<double>()).c_str());
  std::printf(
      "errors             %s%s%s\n", field_text(o, "errors").c_str(),
      field_text(o, "last_error").empty() ? "" : "  last: ", field_text(o, "last_error").c_str());
  if (o.at("alert").as_bool()) {
    std::printf("ALERT: backlog above threshold (%s objects)\n",
                field_text(o, "alert_backlog_objects").c_str());
  }
  if (number(o, "recached_objects") > 0) {
    std::printf("re-cached on read  %s objects, %s\n", field_text(o, "recached_objects").c_str(),
                bytes_text(number(o, "recached_bytes")).c_str());
  }
  if (const auto* r = o.if_contains("restore");
      r && !field_text(r->as_object(), "bucket").empty()) {
    std::printf("restore            %s\n", restore_line(r->as_object()).c_str());
  }
  std::printf("\n");
  print_table(o.at("links").as_array(),
              {"bucket", "target", "mode", "backlog_objects", "backlog_bytes",
               "oldest_unsynced_seconds", "allow_unlocked_copy", "created"});
}

// Polls the restore until it ends, drawing a progress bar with rate and ETA.
int wait_restore(const AdminCli& cli) {
  bool tty = ::isatty(STDOUT_FILENO);
  while (true) {
    auto answer = cli.call(AdminRequest{"GET", "cloud/restore", {}});
    if (!answer.is_ok()) {
      std::fprintf(stderr, "skyarray admin: %s\n", answer.status().message().c_str());
      return 1;
    }
    const auto& o = answer->as_object();
    if (field_text(o, "bucket").empty()) {
      std::printf("no restore has run since the array started\n");
      return 0;
    }
    std::printf("%s%s%s", tty ? "\r\033[K" : "", restore_line(o).c_str(), tty ? "" : "\n");
    std::fflush(stdout);
    if (!o.at("running").as_bool()) {
      std::printf("\n");
      if (!field_text(o, "error").empty()) {
        std::fprintf(stderr, "restore failed: %s\n", field_text(o, "error").c_str());
        return 1;
      }
      std::printf("restored bucket %s from %s\n", field_text(o, "bucket").c_str(),
                  field_text(o, "target").c_str());
      return 0;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

void add_target_commands(CLI::App* cloud, AdminCli& cli, std::shared_ptr<CloudArgs> a) {
  auto* add = cloud->add_subcommand("add", "add (or --replace) a cloud target");
  add->add_option("name", a->cloud.name, "target name")->required();
  add->add_option("--url", a->cloud.endpoint, "S3 endpoint URL, http(s)://host:port")->required();
  add->add_option("--bucket", a->cloud.bucket, "cloud bucket")->required();
  add->add_option("--region", a->cloud.region, "region for signing")->capture_default_str();
  add->add_option("--prefix", a->cloud.prefix, "key prefix in the cloud bucket");
  add->add_flag("--virtual-host", a->virtual_host, "virtual-hosted-style addressing");
  add->add_option("--cloud-access-key", a->cloud.access_key,
                  "cloud access key (or SKYARRAY_CLOUD_ACCESS_KEY)");
  add->add_option("--cloud-secret-key", a->cloud.secret_key,
                  "cloud secret key (or SKYARRAY_CLOUD_SECRET_KEY)");
  add->add_option("--cloud-ca-file", a->cloud.ca_file, "CA bundle for the cloud endpoint");
  add->add_option("--bandwidth", a->cloud.bandwidth, "upload limit in bytes/s (0: none)");
  add->add_option("--window", a->cloud.window, "upload window HH:MM-HH:MM (UTC)");
  add->add_flag("--no-flexible-checksums", a->no_flexible_checksums,
                "send Content-MD5 only (servers without x-amz-checksum-*)");
  add->add_flag("--replace", a->replace, "replace an existing target of that name");
  add->add_flag("--encrypt", a->encrypt, "encrypt objects before upload (AES-256-GCM)");
  cli.add(
      add,
      [a] {
        services::CloudTargetConfig t = a->cloud;
        t.path_style = !a->virtual_host;
        t.flexible_checksums = !a->no_flexible_checksums;
        t.access_key = env_or(t.access_key, "SKYARRAY_CLOUD_ACCESS_KEY");
        json::object b = services::CloudTargetCodec::encode(t);
        b["secret_key"] = env_or(t.secret_key, "SKYARRAY_CLOUD_SECRET_KEY");
        b["replace"] = a->replace;
        b["encrypt"] = a->encrypt;
        return AdminRequest{"POST", "cloud/targets", std::move(b)};
      },
      [](const json::value& v) {
        print_table(json::array{v}, {"name", "endpoint", "bucket", "prefix", "region"});
      });
  cli.add(
      cloud->add_subcommand("list", "list cloud targets"),
      [] {
        return AdminRequest{"GET", "cloud/targets", {}};
      },
      [](const json::value& v) {
        print_table(v.at("targets").as_array(),
                    {"name", "endpoint", "bucket", "prefix", "region", "bandwidth", "window"});
      });
  auto* test = cloud->add_subcommand("test", "check reachability, credentials and permissions");
  test->add_option("name", a->name, "target name")->required();
  cli.add_custom(test, [a](const AdminCli& c) {
    auto answer =
        c.call(AdminRequest{"POST", "cloud/targets/" + path_segment(a->name) + "/test", {}});
    if (!answer.is_ok()) {
      std::fprintf(stderr, "skyarray admin: %s\n", answer.status().message().c_str());
      return 1;
    }
    if (c.json_output()) {
      std::printf("%s\n", json::serialize(*answer).c_str());
    } else {
      for (const auto& s : answer->at("steps").as_array()) {
        const auto& o = s.as_object();
        std::printf("%-4s %-28s %s\n", o.at("ok").as_bool() ? "ok" : "FAIL",
                    field_text(o, "step").c_str(), field_text(o, "detail").c_str());
      }
    }
    return answer->at("ok").as_bool() ? 0 : 1;
  });
  auto* remove = cloud->add_subcommand("remove", "remove a cloud target (no links may use it)");
  remove->add_option("name", a->name, "target name")->required();
  cli.add(
      remove,
      [a] {
        return AdminRequest{"DELETE", "cloud/targets/" + path_segment(a->name), {}};
      },
      print_fields);
}

}  // namespace

void add_cloud_commands(CLI::App* admin, AdminCli& cli) {
  auto a = std::make_shared<CloudArgs>();
  auto* cloud = admin->add_subcommand("cloud", "cloud targets, bucket links, sync and restore")
                    ->require_subcommand(1);
  add_target_commands(cloud, cli, a);
  add_cloud_key_commands(cloud, cli);

  auto* link = cloud->add_subcommand("link", "link a local bucket to a cloud target");
  link->add_option("--bucket", a->bucket, "local bucket")->required();
  link->add_option("--target", a->target, "cloud target")->required();
  link->add_option("--mode", a->mode, "sync|cache|subscribe")->capture_default_str();
  link->add_flag("--no-initial-sync", a->no_initial_sync, "do not upload existing objects");
  link->add_option("--cache-bytes", a->cache_bytes,
                   "cache mode: local bytes kept (evicts down to 80%)");
  link->add_option("--pin", a->pins, "cache mode: key prefix never evicted (repeatable)");
  link->add_flag("--allow-unlocked-cloud-copy", a->allow_unlocked,
                 "link a bucket with Object Lock to a target that cannot lock objects");
  cli.add(
      link,
      [a] {
        return AdminRequest{"POST",
                            "cloud/links",
                            {{"bucket", a->bucket},
                             {"target", a->target},
                             {"mode", a->mode},
                             {"initial_sync", !a->no_initial_sync},
                             {"cache_bytes", a->cache_bytes},
                             {"pins", json::value_from(a->pins)},
                             {"allow_unlocked_copy", a->allow_unlocked}}};
      },
      [](const json::value& v) {
        print_table(json::array{v}, {"bucket", "target", "mode", "allow_unlocked_copy", "created"});
      });
  auto* unlink = cloud->add_subcommand("unlink", "unlink a local bucket (pending uploads dropped)");
  unlink->add_option("--bucket", a->bucket, "local bucket")->required();
  cli.add(
      unlink,
      [a] {
        return AdminRequest{"DELETE", "cloud/links/" + path_segment(a->bucket), {}};
      },
      print_fields);
  cli.add(
      cloud->add_subcommand("status", "backlog, upload rate, errors and links"),
      [] {
        return AdminRequest{"GET", "cloud/status", {}};
      },
      print_status);

  auto* restore = cloud->add_subcommand("restore", "rebuild a local bucket from its cloud copy");
  restore->add_option("--target", a->target, "cloud target");
  restore->add_option("--bucket", a->bucket, "local bucket to create");
  restore->add_option("--mode", a->mode, "link mode (sync|cache)")->capture_default_str();
  restore->add_flag("--no-wait", a->no_wait, "start and return");
  restore->add_flag("--watch", a->watch,
                    "show the progress of the running restore (without --target/--bucket)");
  restore->add_option("--key-file", a->key_file, "exported key of an encrypted target");
  cli.add_custom(restore, [a](const AdminCli& c) {
    if (a->watch && a->target.empty() && a->bucket.empty()) return wait_restore(c);
    if (a->target.empty() || a->bucket.empty()) {
      std::fprintf(stderr, "skyarray admin cloud restore: --target and --bucket are required\n");
      return 2;
    }
    if (!a->key_file.empty() && import_cloud_key_file(c, a->target, a->key_file) != 0) return 1;
    auto answer =
        c.call(AdminRequest{"POST",
                            "cloud/restore",
                            {{"target", a->target}, {"bucket", a->bucket}, {"mode", a->mode}}});
    if (!answer.is_ok()) {
      std::fprintf(stderr, "skyarray admin: %s\n", answer.status().message().c_str());
      return 1;
    }
    if (a->no_wait) {
      std::printf("restore of %s started\n", a->bucket.c_str());
      return 0;
    }
    return wait_restore(c);
  });
}

}  // namespace skyarray::app
