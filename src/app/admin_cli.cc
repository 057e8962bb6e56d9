#include "app/admin_cli.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <boost/json.hpp>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "protocols/auth/sigv4.h"
#include "protocols/client/http_client.h"
#include "protocols/client/sigv4_signer.h"

namespace json = boost::json;

namespace skyarray::app {

namespace {

std::string env_or(const std::string& value, const char* env) {
  if (!value.empty()) return value;
  const char* v = std::getenv(env);
  return v != nullptr ? v : "";
}

// Reads NAME=value lines as written by `serve` to <data>/root-credentials.
Status read_credentials_file(const std::string& path, std::string* access, std::string* secret) {
  std::ifstream in(path);
  if (!in) return Status::from_errno(errno, "reading credentials " + path);
  std::string line;
  while (std::getline(in, line)) {
    auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string name = line.substr(0, eq), value = line.substr(eq + 1);
    if (name == "SKYARRAY_ROOT_ACCESS_KEY" && access->empty()) *access = value;
    if (name == "SKYARRAY_ROOT_SECRET_KEY" && secret->empty()) *secret = value;
  }
  return Status::ok();
}

}  // namespace

AdminCli::AdminCli(CLI::App* admin) {
  admin->require_subcommand(1);
  admin->add_option("--endpoint", endpoint_, "admin API URL")->capture_default_str();
  admin->add_option("--access-key", access_key_, "root access key (or SKYARRAY_ROOT_ACCESS_KEY)");
  admin->add_option("--secret-key", secret_key_, "root secret key (or SKYARRAY_ROOT_SECRET_KEY)");
  admin->add_option("--credentials", credentials_file_,
                    "file with the root key pair (as written to <data>/root-credentials)");
  admin->add_option("--ca-file", ca_file_, "CA bundle for an https endpoint");
  admin->add_flag("--json", json_, "print the API's JSON answer");

  auto* info = admin->add_subcommand("info", "show version, role and endpoints");
  add(
      info,
      [] {
        return AdminRequest{"GET", "info", {}};
      },
      [](const json::value& v) {
        const auto& o = v.as_object();
        std::printf("skyarray %s (%s)\n  S3 endpoint  %s\n  admin API    %s\n",
                    field_text(o, "version").c_str(), field_text(o, "role").c_str(),
                    field_text(o, "s3_endpoint").c_str(), field_text(o, "admin_endpoint").c_str());
      });

  add_user_commands(admin, *this);
  add_drive_commands(admin, *this);
  add_cloud_commands(admin, *this);
  add_share_commands(admin, *this);
  add_token_commands(admin, *this);
  add_audit_commands(admin, *this);
  add_lifecycle_commands(admin, *this);
  add_kms_commands(admin, *this);
}

void AdminCli::add(CLI::App* command, std::function<AdminRequest()> make, AdminPrinter print) {
  command->callback([this, make = std::move(make), print = std::move(print)] {
    chosen_ = [this, make, print] {
      auto answer = call(make());
      if (!answer.is_ok()) {
        std::fprintf(stderr, "skyarray admin: %s\n", answer.status().message().c_str());
        return 1;
      }
      if (json_) {
        std::printf("%s\n", json::serialize(*answer).c_str());
      } else {
        print(*answer);
      }
      return 0;
    };
  });
}

void AdminCli::add_custom(CLI::App* command, std::function<int(const AdminCli&)> run) {
  command->callback([this, run = std::move(run)] { chosen_ = [this, run] { return run(*this); }; });
}

int AdminCli::run() const {
  if (!chosen_) {
    std::fprintf(stderr, "skyarray admin: choose a command (--help lists them)\n");
    return 2;
  }
  return chosen_();
}

// Credentials: flags, then the credentials file, then the environment.
Result<json::value> AdminCli::call(const AdminRequest& call) const {
  std::string access = access_key_;
  std::string secret = secret_key_;
  if (!credentials_file_.empty()) {
    SKY_RETURN_IF_ERROR(read_credentials_file(credentials_file_, &access, &secret));
  }
  access = env_or(access, "SKYARRAY_ROOT_ACCESS_KEY");
  secret = env_or(secret, "SKYARRAY_ROOT_SECRET_KEY");
  if (access.empty() || secret.empty()) {
    return Status(StatusCode::kUnauthenticated,
                  "no credentials: pass --access-key/--secret-key, --credentials "
                  "<data>/root-credentials, or set SKYARRAY_ROOT_ACCESS_KEY and "
                  "SKYARRAY_ROOT_SECRET_KEY");
  }
  http::HttpClientOptions options;
  options.endpoint = endpoint_;
  options.ca_file = ca_file_;
  options.timeout_seconds = call.timeout_seconds;

  http::ClientRequest request;
  request.method = call.method;
  request.target = "/admin/v1/" + call.path;
  if (!call.body.empty()) {
    request.body = json::serialize(call.body);
    request.headers.emplace_back("Content-Type", "application/json");
  }
  std::string host = endpoint_;
  if (auto p = host.find("://"); p != std::string::npos) host = host.substr(p + 3);
  host = host.substr(0, host.find('/'));
  s3::SigV4Signer signer({access, secret, ""}, "us-east-1");
  signer.sign(request, host);

  auto response = http::request_sync(options, std::move(request));
  if (!response.is_ok()) return response.status();
  boost::system::error_code ec;
  json::value answer = json::parse(response->body, ec);
  if (ec) {
    return Status::internal("admin API answered " + std::to_string(response->status) +
                            " with a non-JSON body");
  }
  if (response->status >= 300) {
    std::string message = "HTTP " + std::to_string(response->status);
    if (answer.is_object()) {
      const auto& o = answer.as_object();
      if (o.contains("error")) message = field_text(o, "error");
      if (o.contains("message")) message += ": " + field_text(o, "message");
    }
    return Status(StatusCode::kInvalidArgument, message);
  }
  return answer;
}

std::string field_text(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  if (v == nullptr) return "";
  if (v->is_string()) return std::string(v->as_string());
  return json::serialize(*v);
}

void print_table(const json::array& rows, const std::vector<std::string>& columns) {
  std::vector<size_t> width;
  for (const auto& c : columns) width.push_back(c.size());
  for (const auto& row : rows) {
    for (size_t i = 0; i < columns.size(); ++i) {
      width[i] = std::max(width[i], field_text(row.as_object(), columns[i]).size());
    }
  }
  auto print_row = [&](auto cell) {
    for (size_t i = 0; i < columns.size(); ++i) {
      std::printf("%-*s%s", static_cast<int>(width[i]), cell(i).c_str(),
                  i + 1 < columns.size() ? "  " : "\n");
    }
  };
  print_row([&](size_t i) {
    std::string up = columns[i];
    for (auto& ch : up) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    return up;
  });
  for (const auto& row : rows) {
    print_row([&](size_t i) { return field_text(row.as_object(), columns[i]); });
  }
}

void print_fields(const json::value& v) {
  if (!v.is_object()) {
    std::printf("%s\n", json::serialize(v).c_str());
    return;
  }
  for (const auto& [k, val] : v.as_object()) {
    std::printf("%s %s\n", std::string(k).c_str(), field_text(v.as_object(), k).c_str());
  }
}

double number(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_number() ? v->to_number<double>() : 0;
}

std::string bytes_text(double b) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  int u = 0;
  while (b >= 1024 && u < 5) {
    b /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof(buf), u == 0 ? "%.0f %s" : "%.1f %s", b, units[u]);
  return buf;
}

std::string duration_text(double s) {
  if (s <= 0) return "-";
  char buf[32];
  long t = std::lround(s);
  if (t >= 3600) {
    std::snprintf(buf, sizeof(buf), "%ldh%02ldm", t / 3600, (t / 60) % 60);
  } else if (t >= 60) {
    std::snprintf(buf, sizeof(buf), "%ldm%02lds", t / 60, t % 60);
  } else {
    std::snprintf(buf, sizeof(buf), "%lds", t);
  }
  return buf;
}

std::string bar(double fraction, int width) {
  fraction = std::clamp(fraction, 0.0, 1.0);
  int full = static_cast<int>(fraction * width);
  return "[" + std::string(full, '#') + std::string(width - full, '.') + "]";
}

std::string path_segment(std::string_view s) {
  return auth::uri_encode(s, true);
}

}  // namespace skyarray::app
