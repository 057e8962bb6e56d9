// skyarray: one executable, subcommands. This file only dispatches.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "app/admin_cli.h"
#include "app/serve.h"
#include "app/version.h"

int main(int argc, char** argv) {
  CLI::App cli{"skyarray — hybrid-cloud storage array"};
  cli.require_subcommand(1);

  skyarray::app::ServeArgs serve_args;
  auto* serve = cli.add_subcommand("serve", "run the array (or the cloud role) in the foreground");
  serve->add_option("--config", serve_args.config_path, "TOML configuration file");
  serve->add_option("--data", serve_args.data_dir, "data directory (default ./data)");
  serve->add_option(
      "--listen", serve_args.listen,
      "S3 listen address HOST:PORT (default 127.0.0.1:9000; admin API on the next port)");
  serve->add_option("--role", serve_args.role, "array or cloud (default array)")
      ->check(CLI::IsMember({"array", "cloud"}));

  auto* version = cli.add_subcommand("version", "print the version");

  auto* admin = cli.add_subcommand("admin", "manage a running box through its admin API");
  skyarray::app::AdminCli admin_cli(admin);

  CLI11_PARSE(cli, argc, argv);

  if (*serve) return skyarray::app::run_serve(serve_args);
  if (*version) {
    std::printf("skyarray %s\n", skyarray::app::version_string());
    return 0;
  }
  if (*admin) return admin_cli.run();
  return 2;
}
