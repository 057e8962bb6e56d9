#include "protocols/admin/admin_api.h"

#include <spdlog/spdlog.h>
#include <boost/json.hpp>
#include <chrono>
#include <ctime>

#include "protocols/s3/sigv4.h"
#include "services/security/user_store.h"

namespace json = boost::json;

namespace skyarray::admin {

namespace {

constexpr size_t kMaxBodyBytes = 1 << 20;

// The one StatusCode → HTTP status table of the admin API.
unsigned http_status_for(StatusCode code) {
  switch (code) {
    case StatusCode::kInvalidArgument:
    case StatusCode::kTooLarge:
    case StatusCode::kTooSmall:
    case StatusCode::kBadDigest:
    case StatusCode::kOutOfRange:
      return 400;
    case StatusCode::kUnauthenticated:
    case StatusCode::kSignatureMismatch:
      return 401;
    case StatusCode::kPermissionDenied:
    case StatusCode::kReadOnly:
      return 403;
    case StatusCode::kNotFound:
    case StatusCode::kBucketNotFound:
      return 404;
    case StatusCode::kAlreadyExists:
    case StatusCode::kNotEmpty:
    case StatusCode::kConflict:
      return 409;
    case StatusCode::kPreconditionFailed:
      return 412;
    case StatusCode::kNotSupported:
      return 501;
    case StatusCode::kUnavailable:
    case StatusCode::kNoSpace:
      return 503;
    case StatusCode::kTimeout:
      return 504;
    default:
      return 500;
  }
}

http::HttpResponse json_response(unsigned status, const json::value& body) {
  http::HttpResponse r;
  r.status = status;
  r.set("Content-Type", "application/json");
  r.body = json::serialize(body);
  r.body += '\n';
  return r;
}

http::HttpResponse error_response(const Status& s) {
  // The message never contains secrets: services do not put them in errors.
  return json_response(http_status_for(s.code()),
                       {{"error", status_code_name(s.code())}, {"message", s.message()}});
}

std::string iso_time(services::Timestamp t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

json::object user_json(const services::User& u) {
  return {{"user_id", u.user_id},
          {"display_name", u.display_name},
          {"created", iso_time(u.created)},
          {"root", u.root}};
}

json::object key_json(const services::AccessKey& k) {
  return {{"access_key_id", k.access_key_id},
          {"user_id", k.user_id},
          {"created", iso_time(k.created)},
          {"active", k.active}};
}

Result<json::object> parse_object(std::string_view body) {
  if (body.empty()) return json::object();
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) {
    return Status::invalid_argument("request body must be a JSON object");
  }
  return std::move(v.as_object());
}

std::string string_field(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_string()) return {};
  return std::string(it->value().as_string());
}

// Splits "/admin/v1/users/alice/keys" into {"users", "alice", "keys"}; the
// segments are percent-decoded.
Result<std::vector<std::string>> route_segments(std::string_view path) {
  constexpr std::string_view kPrefix = "/admin/v1/";
  if (path.substr(0, kPrefix.size()) != kPrefix) return Status::not_found("no such admin route");
  std::vector<std::string> out;
  std::string_view rest = path.substr(kPrefix.size());
  while (!rest.empty()) {
    size_t slash = rest.find('/');
    auto decoded = s3::percent_decode(rest.substr(0, slash));
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

  // Verifies the SigV4 signature and that the key belongs to a root user.
  Task<Status> authenticate(http::HttpRequest& request, const std::string& body) {
    s3::SignableRequest signable;
    signable.method = request.method();
    const std::string& target = request.target();
    size_t q = target.find('?');
    signable.raw_path = target.substr(0, q);
    if (q != std::string::npos) {
      auto query = s3::parse_query(std::string_view(target).substr(q + 1));
      if (!query.is_ok()) co_return query.status();
      signable.query = std::move(query).value();
    }
    signable.headers = request.headers();
    auto auth = s3::parse_auth(signable);
    if (!auth.is_ok()) co_return Status(StatusCode::kUnauthenticated, auth.status().message());
    if (auth->kind == s3::AuthKind::kAnonymous) {
      co_return Status(StatusCode::kUnauthenticated,
                       "admin requests must be signed (AWS SigV4) with a root access key");
    }
    auto credential = co_await users.lookup(auth->access_key);
    if (!credential.is_ok()) co_return credential.status();
    auto verified =
        s3::verify(*auth, signable, credential->secret, std::chrono::system_clock::now());
    if (!verified.is_ok()) {
      co_return Status(StatusCode::kSignatureMismatch, verified.status().message());
    }
    if (verified->payload == s3::PayloadMode::kSha256 &&
        s3::hex(s3::sha256(body)) != verified->payload_sha256) {
      co_return Status(StatusCode::kBadDigest, "body does not match x-amz-content-sha256");
    }
    if (s3::is_streaming(verified->payload)) {
      co_return Status::invalid_argument("streaming payloads are not accepted by the admin API");
    }
    if (!credential->root) {
      co_return Status::permission_denied("the admin API needs a root user's key");
    }
    co_return Status::ok();
  }

  Task<http::HttpResponse> route(const std::string& method, const std::vector<std::string>& seg,
                                 const json::object& body) {
    size_t n = seg.size();
    if (n == 1 && seg[0] == "info" && method == "GET") {
      co_return json_response(200, {{"version", info.version},
                                    {"role", info.role},
                                    {"s3_endpoint", info.s3_endpoint},
                                    {"admin_endpoint", info.admin_endpoint}});
    }
    if (n >= 1 && seg[0] == "users") {
      if (n == 1 && method == "GET") {
        auto list = co_await users.list_users();
        if (!list.is_ok()) co_return error_response(list.status());
        json::array arr;
        for (const auto& u : *list) arr.push_back(user_json(u));
        co_return json_response(200, {{"users", std::move(arr)}});
      }
      if (n == 1 && method == "POST") {
        auto user = co_await users.create_user(string_field(body, "user_id"),
                                               string_field(body, "display_name"));
        if (!user.is_ok()) co_return error_response(user.status());
        spdlog::info("admin: created user {}", user->user_id);
        co_return json_response(201, user_json(*user));
      }
      if (n == 2 && method == "GET") {
        auto user = co_await users.get_user(seg[1]);
        if (!user.is_ok()) co_return error_response(user.status());
        co_return json_response(200, user_json(*user));
      }
      if (n == 2 && method == "DELETE") {
        Status s = co_await users.delete_user(seg[1]);
        if (!s.is_ok()) co_return error_response(s);
        spdlog::info("admin: deleted user {}", seg[1]);
        co_return json_response(200, {{"deleted", seg[1]}});
      }
      if (n == 3 && seg[2] == "keys" && method == "GET") {
        auto keys = co_await users.list_keys(seg[1]);
        if (!keys.is_ok()) co_return error_response(keys.status());
        json::array arr;
        for (const auto& k : *keys) arr.push_back(key_json(k));
        co_return json_response(200, {{"keys", std::move(arr)}});
      }
      if (n == 3 && seg[2] == "keys" && method == "POST") {
        auto key = co_await users.create_key(seg[1]);
        if (!key.is_ok()) co_return error_response(key.status());
        spdlog::info("admin: created access key {} for user {}", key->key.access_key_id, seg[1]);
        json::object o = key_json(key->key);
        o["secret_access_key"] = key->secret;
        co_return json_response(201, o);
      }
    }
    if (n == 2 && seg[0] == "keys" && method == "DELETE") {
      Status s = co_await users.revoke_key(seg[1]);
      if (!s.is_ok()) co_return error_response(s);
      spdlog::info("admin: revoked access key {}", seg[1]);
      co_return json_response(200, {{"revoked", seg[1]}});
    }
    co_return error_response(Status::not_found("no admin route " + method + " /admin/v1/" +
                                               (seg.empty() ? "" : seg[0])));
  }
};

AdminApi::AdminApi(services::UserStore& users, AdminInfo info)
    : impl_(std::make_unique<Impl>(Impl{users, std::move(info)})) {}

AdminApi::~AdminApi() = default;

Task<http::HttpResponse> AdminApi::handle(http::HttpRequest& request) {
  auto body = co_await request.read_body_string(kMaxBodyBytes);
  if (!body.is_ok()) co_return error_response(body.status());
  Status auth = co_await impl_->authenticate(request, *body);
  if (!auth.is_ok()) {
    spdlog::warn("admin: refused {} {} from {}: {}", request.method(), request.target(),
                 request.remote(), status_code_name(auth.code()));
    co_return error_response(auth);
  }
  const std::string& target = request.target();
  auto segments = route_segments(std::string_view(target).substr(0, target.find('?')));
  if (!segments.is_ok()) co_return error_response(segments.status());
  auto object = parse_object(*body);
  if (!object.is_ok()) co_return error_response(object.status());
  co_return co_await impl_->route(request.method(), *segments, *object);
}

}  // namespace skyarray::admin
