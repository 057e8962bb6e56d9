#include "app/admin_cli_cloud_keys.h"

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <cstdio>
#include <memory>

#include "common/private_file.h"

namespace json = boost::json;

namespace skyarray::app {

namespace {

struct KeyArgs {
  std::string target;
  std::string file;
};

int fail(const std::string& message) {
  std::fprintf(stderr, "skyarray admin: %s\n", message.c_str());
  return 1;
}

int export_key(const AdminCli& cli, const KeyArgs& a) {
  auto answer =
      cli.call(AdminRequest{"GET", "cloud/targets/" + path_segment(a.target) + "/key", {}});
  if (!answer.is_ok()) return fail(answer.status().message());
  const auto& o = answer->as_object();
  json::object entry{{"target", field_text(o, "target")},
                     {"key_id", field_text(o, "key_id")},
                     {"key", field_text(o, "key")}};
  json::object file{{"v", 1}, {"keys", json::array{std::move(entry)}}};
  Status s = write_private_file(a.file, json::serialize(file) + "\n");
  if (!s.is_ok()) return fail(s.to_string());
  std::printf(
      "key %s of cloud target %s written to %s (keep it offline: it decrypts the cloud "
      "copy)\n",
      field_text(o, "key_id").c_str(), a.target.c_str(), a.file.c_str());
  return 0;
}

}  // namespace

int import_cloud_key_file(const AdminCli& cli, const std::string& target, const std::string& path) {
  auto text = read_private_file(path);
  if (!text.is_ok()) return fail(text.status().to_string());
  std::error_code ec;
  json::value v = json::parse(*text, ec);
  const json::array* keys = nullptr;
  if (!ec && v.is_object() && v.as_object().contains("keys") && v.at("keys").is_array())
    keys = &v.at("keys").as_array();
  if (!keys || keys->empty()) return fail(path + " is not a skyarray key file");
  const json::object* chosen = nullptr;
  for (const auto& k : *keys) {
    if (k.is_object() && field_text(k.as_object(), "target") == target) chosen = &k.as_object();
  }
  if (!chosen && keys->size() == 1 && keys->front().is_object())
    chosen = &keys->front().as_object();
  if (!chosen) return fail(path + " has no key for cloud target " + target);
  auto answer = cli.call(AdminRequest{
      "PUT",
      "cloud/targets/" + path_segment(target) + "/key",
      {{"key_id", field_text(*chosen, "key_id")}, {"key", field_text(*chosen, "key")}}});
  if (!answer.is_ok()) return fail(answer.status().message());
  std::printf("cloud target %s uses encryption key %s\n", target.c_str(),
              field_text(*chosen, "key_id").c_str());
  return 0;
}

void add_cloud_key_commands(CLI::App* cloud, AdminCli& cli) {
  auto a = std::make_shared<KeyArgs>();
  auto* key = cloud->add_subcommand("key", "client-side encryption keys of cloud targets")
                  ->require_subcommand(1);
  auto* exp = key->add_subcommand("export", "write a target's encryption key to a file (0600)");
  exp->add_option("--target", a->target, "cloud target")->required();
  exp->add_option("--out", a->file, "key file to create")->required();
  cli.add_custom(exp, [a](const AdminCli& c) { return export_key(c, *a); });
  auto* imp = key->add_subcommand("import", "give a target the key from an exported key file");
  imp->add_option("--target", a->target, "cloud target")->required();
  imp->add_option("--key-file", a->file, "exported key file")->required();
  cli.add_custom(imp,
                 [a](const AdminCli& c) { return import_cloud_key_file(c, a->target, a->file); });
}

}  // namespace skyarray::app
