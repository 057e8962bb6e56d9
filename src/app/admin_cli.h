// `skyarray admin ...`: the operator's command line for a running box. Every
// command is one or more signed requests to the admin API (protocols/admin).
//
// Commands come in groups, one file each (admin_cli_<group>.cc), registered
// by AdminCli's constructor; a group declares its CLI11 subcommands and, for
// each, how to build the request and how to show the answer.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <functional>
#include <string>
#include <vector>

#include "common/status.h"

namespace CLI {
class App;
}

namespace skyarray::app {

// One admin API call: METHOD /admin/v1/<path> with an optional JSON body.
struct AdminRequest {
  std::string method = "GET";
  std::string path;  // after /admin/v1/, already percent-encoded
  boost::json::object body;
  // How long the answer may take (audit verify reads the whole log).
  int timeout_seconds = 60;
};

using AdminPrinter = std::function<void(const boost::json::value&)>;

class AdminCli {
 public:
  // Declares the global options (--endpoint, credentials, --json) and every
  // command group on `admin`.
  explicit AdminCli(CLI::App* admin);

  // A command that sends one request; `print` shows the answer unless --json.
  void add(CLI::App* command, std::function<AdminRequest()> make, AdminPrinter print);
  // A command with its own flow (several calls, --watch loops); returns the
  // exit code.
  void add_custom(CLI::App* command, std::function<int(const AdminCli&)> run);

  // Runs the command chosen on the command line; returns the exit code.
  int run() const;
  // Sends one signed request; a non-2xx answer becomes an error Status whose
  // message names the API's error code and message.
  Result<boost::json::value> call(const AdminRequest& request) const;
  bool json_output() const { return json_; }

 private:
  std::string endpoint_ = "http://127.0.0.1:9001";
  std::string access_key_;
  std::string secret_key_;
  std::string credentials_file_;
  std::string ca_file_;
  bool json_ = false;
  std::function<int()> chosen_;
};

// Command groups (one file each).
void add_user_commands(CLI::App* admin, AdminCli& cli);
void add_drive_commands(CLI::App* admin, AdminCli& cli);
void add_cloud_commands(CLI::App* admin, AdminCli& cli);
void add_share_commands(CLI::App* admin, AdminCli& cli);
void add_token_commands(CLI::App* admin, AdminCli& cli);
void add_audit_commands(CLI::App* admin, AdminCli& cli);
void add_lifecycle_commands(CLI::App* admin, AdminCli& cli);
// The lifecycle line of `admin health` from a GET lifecycle answer.
std::string lifecycle_health_line(const boost::json::value& status);
void add_kms_commands(CLI::App* admin, AdminCli& cli);

// ---- output helpers for command groups

// Left-aligned columns with an upper-case header; cells are the members of
// each row object named by `columns`.
void print_table(const boost::json::array& rows, const std::vector<std::string>& columns);
// Prints each member of an object as "name value".
void print_fields(const boost::json::value& v);
// A member as text ("" when absent; non-strings serialized).
std::string field_text(const boost::json::object& o, std::string_view key);
// Percent-encodes one path segment.
std::string path_segment(std::string_view s);
// A numeric member (0 when absent).
double number(const boost::json::object& o, std::string_view key);
// 1.5 GiB, 20 s / 3m05s / 1h02m ("-" for none), [#####.....] progress bars
// (admin health --watch, cloud restore).
std::string bytes_text(double bytes);
std::string duration_text(double seconds);
std::string bar(double fraction, int width = 30);

}  // namespace skyarray::app
