#include "protocols/admin/admin_api.h"

#include <spdlog/spdlog.h>
#include <boost/json.hpp>
#include <chrono>

#include "protocols/admin/admin_users.h"
#include "protocols/auth/signed_request.h"
#include "protocols/auth/sigv4.h"
#include "services/audit/audit_recorder.h"
#include "services/security/user_store.h"

namespace json = boost::json;

namespace skyarray::admin {

namespace {

constexpr size_t kMaxBodyBytes = 1 << 20;
constexpr std::string_view kPrefix = "/admin/v1/";

Result<json::object> parse_object(std::string_view body) {
  if (body.empty()) return json::object();
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) return Status::invalid_argument("request body must be a JSON object");
  return std::move(v.as_object());
}

// "/admin/v1/users/alice/keys" → {"users", "alice", "keys"}, each decoded.
Result<std::vector<std::string>> route_segments(std::string_view path) {
  if (path.substr(0, kPrefix.size()) != kPrefix) return Status::not_found("no such admin route");
  std::vector<std::string> out;
  std::string_view rest = path.substr(kPrefix.size());
  while (!rest.empty()) {
    size_t slash = rest.find('/');
    auto decoded = auth::percent_decode(rest.substr(0, slash));
    if (!decoded.is_ok()) return decoded.status();
    if (!decoded->empty()) out.push_back(std::move(decoded).value());
    if (slash == std::string_view::npos) break;
    rest = rest.substr(slash + 1);
  }
  return out;
}

}  // namespace

struct AdminApi::Impl {
  services::UserStore& users;
  AdminInfo info;
  std::vector<std::unique_ptr<AdminModule>> modules;

  // Verifies the SigV4 signature and that the key belongs to a root user;
  // returns the caller's user id.
  Task<Result<std::string>> authenticate(const auth::SignableRequest& signable,
                                         const std::string& body, std::string& access_key) {
    auth::KeyLookup lookup = [this,
                              &access_key](const std::string& key) -> Task<Result<auth::KeyOwner>> {
      access_key = key;
      auto credential = co_await users.lookup(key);
      if (!credential.is_ok()) co_return credential.status();
      co_return auth::KeyOwner{credential->secret, credential->user_id, credential->root};
    };
    auto owner = co_await auth::verify_signed_request(signable, body, lookup,
                                                      std::chrono::system_clock::now());
    if (!owner.is_ok()) co_return owner.status();
    if (!owner->root) co_return Status::permission_denied("the admin API needs a root user's key");
    co_return owner->user_id;
  }

  Result<AdminCall> parse(const http::HttpRequest& request, const std::string& body) {
    AdminCall call;
    call.method = request.method();
    const std::string& target = request.target();
    size_t q = target.find('?');
    SKY_ASSIGN_OR_RETURN(call.path, route_segments(std::string_view(target).substr(0, q)));
    if (q != std::string::npos) {
      SKY_ASSIGN_OR_RETURN(call.query, auth::parse_query(std::string_view(target).substr(q + 1)));
    }
    SKY_ASSIGN_OR_RETURN(call.body, parse_object(body));
    return call;
  }
};

AdminApi::AdminApi(services::UserStore& users, AdminInfo info,
                   services::audit::AuditRecorder* audit)
    : impl_(std::make_unique<Impl>(Impl{users, std::move(info), {}})), audit_(audit) {
  add_module(std::make_unique<UsersAdmin>(users));
}

AdminApi::~AdminApi() = default;

void AdminApi::add_module(std::unique_ptr<AdminModule> module) {
  impl_->modules.push_back(std::move(module));
}

Task<http::HttpResponse> AdminApi::handle(http::HttpRequest& request) {
  std::string caller, access_key;
  http::HttpResponse response = co_await answer(request, caller, access_key);
  if (!audit_) co_return response;
  services::audit::AuditEvent event;
  event.door = services::audit::AuditEvent::Door::kAdmin;
  event.op = request.method() + " " + request.target().substr(0, request.target().find('?'));
  event.user = std::move(caller);
  event.access_key = std::move(access_key);
  event.source = request.remote();
  event.status = response.status;
  // The body's declared size once it was read (a refused request's body
  // usually never is).
  event.bytes_in = request.body_done() ? request.content_length().value_or(0) : 0;
  event.bytes_out = response.source ? response.content_length : response.body.size();
  event.request_id = request.request_id();
  event.mutating = request.method() != "GET" && request.method() != "HEAD";
  Status s = co_await audit_->record(std::move(event));
  if (!s.is_ok()) {
    spdlog::error("admin: audit record of {} not written: {}", request.request_id(), s.to_string());
  }
  co_return response;
}

Task<http::HttpResponse> AdminApi::answer(http::HttpRequest& request, std::string& caller_id,
                                          std::string& access_key) {
  auto body = co_await request.read_body_string(kMaxBodyBytes);
  if (!body.is_ok()) co_return error_response(body.status());

  auto signable = auth::signable_request(request.method(), request.target(), request.headers());
  if (!signable.is_ok()) co_return error_response(signable.status());
  auto caller = co_await impl_->authenticate(*signable, *body, access_key);
  if (!caller.is_ok()) {
    spdlog::warn("admin: refused {} {} from {}: {}", request.method(), signable->raw_path,
                 request.remote(), status_code_name(caller.status().code()));
    co_return error_response(caller.status());
  }

  auto call = impl_->parse(request, *body);
  if (!call.is_ok()) co_return error_response(call.status());
  call->caller = *caller;
  caller_id = *caller;
  if (call->is("GET", {"info"})) {
    const AdminInfo& info = impl_->info;
    co_return json_response(200, {{"version", info.version},
                                  {"role", info.role},
                                  {"s3_endpoint", info.s3_endpoint},
                                  {"admin_endpoint", info.admin_endpoint}});
  }
  for (auto& module : impl_->modules) {
    auto response = co_await module->handle(*call);
    if (response) co_return std::move(*response);
  }
  co_return error_response(
      Status::not_found("no admin route " + call->method + " " + signable->raw_path));
}

http::HttpResponse admin_http_error(const http::HttpError& error, const std::string& request_id) {
  return json_response(
      error.status,
      {{"error", error.code}, {"message", error.message}, {"request_id", request_id}});
}

}  // namespace skyarray::admin
