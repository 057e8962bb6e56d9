// `skyarray admin user|key ...`: users and access keys (admin_users.h routes).
#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <cstdio>
#include <memory>

#include "app/admin_cli.h"

namespace json = boost::json;

namespace skyarray::app {

namespace {

struct UserArgs {
  std::string name;
  std::string display_name;
};

void print_user(const json::value& v) {
  print_table(json::array{v}, {"user_id", "display_name", "created", "root"});
}

}  // namespace

void add_user_commands(CLI::App* admin, AdminCli& cli) {
  auto args = std::make_shared<UserArgs>();

  auto* user = admin->add_subcommand("user", "manage users")->require_subcommand(1);
  auto* create = user->add_subcommand("create", "create a user");
  create->add_option("user_id", args->name, "user id")->required();
  create->add_option("--display-name", args->display_name, "display name");
  cli.add(
      create,
      [args] {
        return AdminRequest{
            "POST", "users", {{"user_id", args->name}, {"display_name", args->display_name}}};
      },
      print_user);
  cli.add(
      user->add_subcommand("list", "list users"),
      [] {
        return AdminRequest{"GET", "users", {}};
      },
      [](const json::value& v) {
        print_table(v.at("users").as_array(), {"user_id", "display_name", "created", "root"});
      });
  auto* remove = user->add_subcommand("delete", "delete a user and revoke its keys");
  remove->add_option("user_id", args->name, "user id")->required();
  cli.add(
      remove,
      [args] {
        return AdminRequest{"DELETE", "users/" + path_segment(args->name), {}};
      },
      print_fields);

  auto* key = admin->add_subcommand("key", "manage access keys")->require_subcommand(1);
  auto* key_create = key->add_subcommand("create", "create an access key for a user");
  key_create->add_option("user_id", args->name, "user id")->required();
  cli.add(
      key_create,
      [args] {
        return AdminRequest{"POST", "users/" + path_segment(args->name) + "/keys", {}};
      },
      [](const json::value& v) {
        const auto& o = v.as_object();
        std::printf(
            "access key id      %s\nsecret access key  %s\n(the secret is shown only once)\n",
            field_text(o, "access_key_id").c_str(), field_text(o, "secret_access_key").c_str());
      });
  auto* key_list = key->add_subcommand("list", "list a user's access keys");
  key_list->add_option("user_id", args->name, "user id")->required();
  cli.add(
      key_list,
      [args] {
        return AdminRequest{"GET", "users/" + path_segment(args->name) + "/keys", {}};
      },
      [](const json::value& v) {
        print_table(v.at("keys").as_array(), {"access_key_id", "user_id", "created", "active"});
      });
  auto* revoke = key->add_subcommand("revoke", "revoke an access key");
  revoke->add_option("access_key_id", args->name, "access key id")->required();
  cli.add(
      revoke,
      [args] {
        return AdminRequest{"DELETE", "keys/" + path_segment(args->name), {}};
      },
      print_fields);
}

}  // namespace skyarray::app
