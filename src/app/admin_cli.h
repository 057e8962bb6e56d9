// `skyarray admin ...`: the operator's command line for a running box. Every
// command is one signed request to the admin API (protocols/admin).
#pragma once

#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace skyarray::app {

struct AdminArgs {
  std::string endpoint = "http://127.0.0.1:9001";  // --endpoint
  std::string access_key;                          // --access-key, else SKYARRAY_ROOT_ACCESS_KEY
  std::string secret_key;                          // --secret-key, else SKYARRAY_ROOT_SECRET_KEY
  std::string credentials_file;                    // --credentials: a <data>/root-credentials file
  std::string ca_file;                             // --ca-file for https endpoints
  bool json = false;                               // --json: print the API's JSON as is
  // Positional values of the chosen command.
  std::string name;
  std::string display_name;
};

// Declares the admin subcommands on `admin`.
void add_admin_commands(CLI::App* admin, AdminArgs& args);
// Runs the chosen subcommand; returns the process exit code.
int run_admin(CLI::App* admin, const AdminArgs& args);

}  // namespace skyarray::app
