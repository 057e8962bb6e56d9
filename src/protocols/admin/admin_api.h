// AdminApi: the array's management API, JSON over HTTP on its own listener
// (by default the S3 port + 1), served by http::HttpServer.
//
// Authentication: every request is signed with AWS SigV4 (service "s3", any
// region) by a root user's access key — the same credentials as S3, so one
// secret serves both and `skyarray admin` signs exactly like an S3 client.
// Anonymous, unsigned or non-root requests get 401/403 with a JSON error.
//
// Routes (v1; request and response bodies are JSON objects):
//   GET    /admin/v1/info                         version, role, endpoints
//   GET    /admin/v1/users                        {"users":[{user_id,display_name,created,root}]}
//   POST   /admin/v1/users        {user_id, display_name}
//   DELETE /admin/v1/users/<user_id>
//   GET    /admin/v1/users/<user_id>/keys         {"keys":[{access_key_id,created,active}]}
//   POST   /admin/v1/users/<user_id>/keys         → {access_key_id, secret_access_key}
//   DELETE /admin/v1/keys/<access_key_id>
// Errors: {"error": "<StatusCode name>", "message": "..."} with an HTTP status
// from the one table in admin_api.cc.
#pragma once

#include <memory>
#include <string>

#include "common/async.h"
#include "protocols/http/http_message.h"

namespace skyarray::services {
class UserStore;
}

namespace skyarray::admin {

// What `GET /admin/v1/info` reports.
struct AdminInfo {
  std::string version;
  std::string role;  // "array" | "cloud"
  std::string s3_endpoint;
  std::string admin_endpoint;
};

class AdminApi {
 public:
  AdminApi(services::UserStore& users, AdminInfo info);
  ~AdminApi();

  // The HttpServer handler.
  Task<http::HttpResponse> handle(http::HttpRequest& request);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace skyarray::admin
