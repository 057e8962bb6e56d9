// AdminApi: the array's management API, JSON over HTTP on its own listener
// (by default the S3 port + 1), served by http::HttpServer.
//
// Authentication: every request is signed with AWS SigV4 (service "s3", any
// region) by a root user's access key — the same credentials as S3, so one
// secret serves both and `skyarray admin` signs exactly like an S3 client.
// Anonymous, unsigned or non-root requests get 401/403 with a JSON error.
//
// Routes live in modules (admin_module.h), one file per service:
//   GET /admin/v1/info              version, role, endpoints (this file)
//   users and keys                  admin_users.h
// Errors: {"error": "<StatusCode name>", "message": "..."} with an HTTP status
// from the one table in admin_module.cc.
//
// Audit: with an AuditRecorder (services/audit/audit_recorder.h), every call,
// refused ones included, is recorded before its answer goes out ("POST
// /admin/v1/users", caller, access key id, client address, status, bytes);
// a call other than GET waits for its record to be synced. Bodies, query
// strings and headers never reach the log (a created key's secret is only
// in the answer).
#pragma once

#include <memory>
#include <string>

#include "common/async.h"
#include "protocols/admin/admin_module.h"
#include "protocols/http/http_message.h"

namespace skyarray::services {
class UserStore;
}
namespace skyarray::services::audit {
class AuditRecorder;
}

namespace skyarray::admin {

// What `GET /admin/v1/info` reports.
struct AdminInfo {
  std::string version;
  std::string role;  // "array" | "cloud"
  std::string s3_endpoint;
  std::string admin_endpoint;
};

// The admin API's wording of the errors the HTTP layer answers by itself:
// {"error": code, "message": text, "request_id": id}, like its other errors.
http::HttpResponse admin_http_error(const http::HttpError& error, const std::string& request_id);

class AdminApi {
 public:
  // `users` authenticates callers; its routes are registered here too.
  // `audit` may be null (no audit log); it must outlive this.
  AdminApi(services::UserStore& users, AdminInfo info,
           services::audit::AuditRecorder* audit = nullptr);
  ~AdminApi();

  // Adds a group of routes. Call before the listener starts.
  void add_module(std::unique_ptr<AdminModule> module);

  // The HttpServer handler.
  Task<http::HttpResponse> handle(http::HttpRequest& request);

 private:
  struct Impl;
  Task<http::HttpResponse> answer(http::HttpRequest& request, std::string& caller,
                                  std::string& access_key);

  std::unique_ptr<Impl> impl_;
  services::audit::AuditRecorder* audit_;
};

}  // namespace skyarray::admin
