#include "app/admin_cli.h"

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "protocols/client/http_client.h"
#include "protocols/client/sigv4_signer.h"
#include "protocols/s3/sigv4.h"

namespace json = boost::json;

namespace skyarray::app {

namespace {

struct Call {
  std::string method;
  std::string path;  // after /admin/v1/
  json::object body;
};

std::string env_or(const std::string& flag, const char* env) {
  if (!flag.empty()) return flag;
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

// Sends one signed admin request; prints errors; returns the JSON answer.
// Credentials: flags, then the credentials file, then the environment.
Result<json::value> send(const AdminArgs& args, const Call& call) {
  std::string access = args.access_key;
  std::string secret = args.secret_key;
  if (!args.credentials_file.empty()) {
    SKY_RETURN_IF_ERROR(read_credentials_file(args.credentials_file, &access, &secret));
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
  options.endpoint = args.endpoint;
  options.ca_file = args.ca_file;
  options.timeout_seconds = 30;

  http::ClientRequest request;
  request.method = call.method;
  request.target = "/admin/v1/" + call.path;
  if (!call.body.empty()) {
    request.body = json::serialize(call.body);
    request.headers.emplace_back("Content-Type", "application/json");
  }
  // The Host header must be what the client sends, so sign after the
  // endpoint has been parsed by the client.
  std::string host = args.endpoint;
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
      if (auto* e = o.if_contains("error")) message = json::value_to<std::string>(*e);
      if (auto* m = o.if_contains("message")) message += ": " + json::value_to<std::string>(*m);
    }
    return Status(StatusCode::kInvalidArgument, message);
  }
  return answer;
}

std::string str(const json::object& o, std::string_view key) {
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
      width[i] = std::max(width[i], str(row.as_object(), columns[i]).size());
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
  for (const auto& row : rows)
    print_row([&](size_t i) { return str(row.as_object(), columns[i]); });
}

// How to show each command's answer to a person.
using Printer = void (*)(const json::value&);

void print_info(const json::value& v) {
  const auto& o = v.as_object();
  std::printf("skyarray %s (%s)\n  S3 endpoint  %s\n  admin API    %s\n", str(o, "version").c_str(),
              str(o, "role").c_str(), str(o, "s3_endpoint").c_str(),
              str(o, "admin_endpoint").c_str());
}
void print_users(const json::value& v) {
  print_table(v.at("users").as_array(), {"user_id", "display_name", "created", "root"});
}
void print_keys(const json::value& v) {
  print_table(v.at("keys").as_array(), {"access_key_id", "user_id", "created", "active"});
}
void print_user(const json::value& v) {
  print_table(json::array{v}, {"user_id", "display_name", "created", "root"});
}
void print_new_key(const json::value& v) {
  const auto& o = v.as_object();
  std::printf("access key id      %s\nsecret access key  %s\n(the secret is shown only once)\n",
              str(o, "access_key_id").c_str(), str(o, "secret_access_key").c_str());
}
void print_ok(const json::value& v) {
  const auto& o = v.as_object();
  for (const auto& [k, val] : o) std::printf("%s %s\n", std::string(k).c_str(), str(o, k).c_str());
}

}  // namespace

void add_admin_commands(CLI::App* admin, AdminArgs& args) {
  admin->require_subcommand(1);
  admin->add_option("--endpoint", args.endpoint, "admin API URL")->capture_default_str();
  admin->add_option("--access-key", args.access_key,
                    "root access key (or SKYARRAY_ROOT_ACCESS_KEY)");
  admin->add_option("--secret-key", args.secret_key,
                    "root secret key (or SKYARRAY_ROOT_SECRET_KEY)");
  admin->add_option("--credentials", args.credentials_file,
                    "file with the root key pair (as written to <data>/root-credentials)");
  admin->add_option("--ca-file", args.ca_file, "CA bundle for an https endpoint");
  admin->add_flag("--json", args.json, "print the API's JSON answer");

  admin->add_subcommand("info", "show version, role and endpoints");

  auto* user = admin->add_subcommand("user", "manage users")->require_subcommand(1);
  auto* create = user->add_subcommand("create", "create a user");
  create->add_option("user_id", args.name, "user id")->required();
  create->add_option("--display-name", args.display_name, "display name");
  user->add_subcommand("list", "list users");
  user->add_subcommand("delete", "delete a user and revoke its keys")
      ->add_option("user_id", args.name, "user id")
      ->required();

  auto* key = admin->add_subcommand("key", "manage access keys")->require_subcommand(1);
  key->add_subcommand("create", "create an access key for a user")
      ->add_option("user_id", args.name, "user id")
      ->required();
  key->add_subcommand("list", "list a user's access keys")
      ->add_option("user_id", args.name, "user id")
      ->required();
  key->add_subcommand("revoke", "revoke an access key")
      ->add_option("access_key_id", args.name, "access key id")
      ->required();
}

int run_admin(CLI::App* admin, const AdminArgs& args) {
  auto chosen = [&](const char* group, const char* command) {
    auto* g = admin->get_subcommand(group);
    if (!*g) return false;
    return command == nullptr || static_cast<bool>(*g->get_subcommand(command));
  };
  Call call;
  Printer printer = print_ok;
  if (chosen("info", nullptr)) {
    call = {"GET", "info", {}};
    printer = print_info;
  } else if (chosen("user", "create")) {
    call = {"POST", "users", {{"user_id", args.name}, {"display_name", args.display_name}}};
    printer = print_user;
  } else if (chosen("user", "list")) {
    call = {"GET", "users", {}};
    printer = print_users;
  } else if (chosen("user", "delete")) {
    call = {"DELETE", "users/" + s3::uri_encode(args.name, true), {}};
  } else if (chosen("key", "create")) {
    call = {"POST", "users/" + s3::uri_encode(args.name, true) + "/keys", {}};
    printer = print_new_key;
  } else if (chosen("key", "list")) {
    call = {"GET", "users/" + s3::uri_encode(args.name, true) + "/keys", {}};
    printer = print_keys;
  } else if (chosen("key", "revoke")) {
    call = {"DELETE", "keys/" + s3::uri_encode(args.name, true), {}};
  } else {
    std::fprintf(stderr, "%s", admin->help().c_str());
    return 2;
  }
  auto answer = send(args, call);
  if (!answer.is_ok()) {
    std::fprintf(stderr, "skyarray admin: %s\n", answer.status().message().c_str());
    return 1;
  }
  if (args.json) {
    std::printf("%s\n", json::serialize(*answer).c_str());
  } else {
    printer(*answer);
  }
  return 0;
}

}  // namespace skyarray::app
