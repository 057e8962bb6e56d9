// `skyarray admin token create|list|revoke`: API bearer tokens
// (protocols/admin/admin_tokens.h routes).
#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <memory>

#include "app/admin_cli.h"
#include "common/config.h"

namespace json = boost::json;

namespace skyarray::app {

namespace {

struct TokenArgs {
  std::string user;
  std::string scope;
  std::string ttl = "12h";
  std::string id;
};

}  // namespace

void add_token_commands(CLI::App* admin, AdminCli& cli) {
  auto args = std::make_shared<TokenArgs>();
  auto* token = admin->add_subcommand("token", "manage API bearer tokens")->require_subcommand(1);
  auto* create = token->add_subcommand("create", "issue a token (shown once)");
  create->add_option("--user", args->user, "the user the token acts as")->required();
  create->add_option("--scope", args->scope, "what it may be used for: dicomweb")->required();
  create->add_option("--ttl", args->ttl, "lifetime (e.g. 30m, 12h, 7d; at most 90d)");
  cli.add(
      create,
      [args] {
        return AdminRequest{"POST",
                            "tokens",
                            {{"user", args->user},
                             {"scope", args->scope},
                             {"ttl_seconds", static_cast<int64_t>(
                                                 parse_duration_seconds(args->ttl).value_or(-1))}}};
      },
      [](const json::value& v) {
        print_table(json::array{v}, {"id", "user", "scope", "expires", "token"});
      });
  cli.add(
      token->add_subcommand("list", "list tokens (never their secrets)"),
      [] {
        return AdminRequest{"GET", "tokens", {}};
      },
      [](const json::value& v) {
        print_table(v.at("tokens").as_array(), {"id", "user", "scope", "created", "expires"});
      });
  auto* revoke = token->add_subcommand("revoke", "revoke a token at once");
  revoke->add_option("id", args->id, "token id")->required();
  cli.add(
      revoke,
      [args] {
        return AdminRequest{"DELETE", "tokens/" + path_segment(args->id), {}};
      },
      print_fields);
}

}  // namespace skyarray::app
