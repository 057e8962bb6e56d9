// `skyarray serve`: assembles one box (array or cloud role) and runs it until
// SIGINT/SIGTERM.
#pragma once

#include <optional>
#include <string>

namespace skyarray::app {

// Command-line values; each one, when set, overrides the config file.
struct ServeArgs {
  std::optional<std::string> config_path;  // --config FILE (TOML)
  std::optional<std::string> data_dir;     // --data DIR        (default ./data)
  std::optional<std::string> listen;       // --listen HOST:PORT for S3 (default 127.0.0.1:9000);
                                           // the admin API listens on the next port
  std::optional<std::string> role;         // --role array|cloud (default array)
};

// Returns the process exit code (0 after a clean shutdown).
int run_serve(const ServeArgs& args);

}  // namespace skyarray::app
