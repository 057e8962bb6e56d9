// `skyarray admin kms key create|list|rotate|disable|enable`: the built-in
// KMS's keys (protocols/admin/admin_kms.h routes).
#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <memory>

#include "app/admin_cli.h"

namespace json = boost::json;

namespace skyarray::app {

namespace {

struct KmsArgs {
  std::string description;
  std::string id;
};

const std::vector<std::string> kColumns = {"id",       "description", "enabled",
                                           "versions", "created",     "rotated"};

}  // namespace

void add_kms_commands(CLI::App* admin, AdminCli& cli) {
  auto args = std::make_shared<KmsArgs>();
  auto* kms = admin->add_subcommand("kms", "manage encryption keys")->require_subcommand(1);
  auto* key = kms->add_subcommand("key", "KMS keys (SSE-S3, SSE-KMS)")->require_subcommand(1);
  auto* create = key->add_subcommand("create", "create a KMS key");
  create->add_option("--description", args->description, "what the key is for");
  cli.add(
      create,
      [args] {
        return AdminRequest{"POST", "kms/keys", {{"description", args->description}}};
      },
      [](const json::value& v) { print_table(json::array{v}, kColumns); });
  cli.add(
      key->add_subcommand("list", "list KMS keys (never their material)"),
      [] {
        return AdminRequest{"GET", "kms/keys", {}};
      },
      [](const json::value& v) { print_table(v.at("keys").as_array(), kColumns); });
  for (const char* verb : {"rotate", "disable", "enable"}) {
    std::string help =
        std::string(verb) == "rotate"    ? "add a version of key material (new data keys use it)"
        : std::string(verb) == "disable" ? "disable a key: its objects become unreadable"
                                         : "enable a disabled key";
    auto* cmd = key->add_subcommand(verb, help);
    cmd->add_option("id", args->id, "key id")->required();
    cli.add(
        cmd,
        [args, verb] {
          return AdminRequest{"POST", "kms/keys/" + path_segment(args->id) + "/" + verb, {}};
        },
        print_fields);
  }
}

}  // namespace skyarray::app
