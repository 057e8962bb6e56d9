// S3Api: authentication, dispatch to the handler rooms and CORS
// (s3_api_impl.h).
#include "protocols/s3/s3_api.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <utility>

#include "common/ascii.h"
#include "common/config.h"
#include "protocols/s3/s3_api_impl.h"
#include "protocols/s3/sigv2.h"
#include "services/audit/audit_recorder.h"

namespace skyarray::s3 {

Result<S3ApiOptions> S3ApiOptions::from_config(const ConfigSection& section) {
  S3ApiOptions o;
  SKY_RETURN_IF_ERROR(section.read("region", &o.region));
  SKY_RETURN_IF_ERROR(section.read("domains", &o.domains));
  SKY_RETURN_IF_ERROR(section.read_size("max_xml_body", &o.max_xml_body, 1024, 64 << 20));
  SKY_RETURN_IF_ERROR(section.read_size("max_put_size", &o.max_put_size, 1, 5ull << 40));
  SKY_RETURN_IF_ERROR(section.read_size("stream_buffer", &o.stream_buffer, 64 << 10, 64 << 20));
  SKY_RETURN_IF_ERROR(section.read("sigv2", &o.sigv2));
  SKY_RETURN_IF_ERROR(section.read("sse_c_plain_http_loopback", &o.sse_c_plain_http_loopback));
  if (o.region.empty())
    return Status::invalid_argument(section.path() + ".region must not be empty");
  for (auto& d : o.domains) d = ascii_lower(d);
  return o;
}

S3Api::S3Api(services::ObjectService& objects, services::UserStore& users, S3ApiOptions options,
             services::audit::AuditRecorder* audit)
    : impl_(std::make_unique<Impl>(objects, users, std::move(options))), audit_(audit) {}
S3Api::~S3Api() = default;

namespace {

bool is_mutating(std::string_view method) {
  return method != "GET" && method != "HEAD" && method != "OPTIONS";
}

}  // namespace

Task<http::HttpResponse> S3Api::handle(http::HttpRequest& request) {
  Impl::AuditNote note;
  if (!audit_) co_return co_await impl_->handle(request, note);
  http::HttpResponse response = co_await impl_->handle(request, note);
  services::audit::AuditEvent event;
  event.door = services::audit::AuditEvent::Door::kS3;
  event.op = note.op.empty() ? request.method() : std::move(note.op);
  event.user = std::move(note.user);
  event.access_key = std::move(note.access_key);
  event.source = request.remote();
  event.bucket = std::move(note.bucket);
  event.object = std::move(note.object);
  event.status = response.status;
  // The body's declared size once it was read (a refused request's body
  // usually never is).
  event.bytes_in = request.body_done() ? request.content_length().value_or(0) : 0;
  // aws-chunked bodies: the payload, not its signed framing.
  if (auto decoded = request.header("x-amz-decoded-content-length"); decoded && event.bytes_in) {
    event.bytes_in = parse_u64(*decoded).value_or(event.bytes_in);
  }
  if (request.method() != "HEAD") {
    event.bytes_out = response.source ? response.content_length : response.body.size();
  }
  event.request_id = request.request_id();
  event.mutating = is_mutating(request.method());
  Status s = co_await audit_->record(std::move(event));
  if (!s.is_ok())
    spdlog::error("s3: audit record of {} not written: {}", request.request_id(), s.to_string());
  co_return response;
}

S3Api::Impl::Impl(services::ObjectService& objects, services::UserStore& users,
                  S3ApiOptions options)
    : buckets_(objects.buckets()),
      users_(users),
      options_(std::move(options)),
      io_(options_),
      authorizer_(objects.buckets(), objects.reads(), io_),
      bucket_handlers_(objects.buckets(), io_),
      access_handlers_(objects.buckets(), objects.reads(), objects.writes(), io_),
      read_handlers_(objects.reads(), objects.versions(), io_),
      write_handlers_(objects.writes(), objects.reads(), authorizer_, io_),
      post_handler_(objects.writes(), users, authorizer_, io_),
      multipart_handlers_(objects.multipart(), io_),
      version_handlers_(objects.versions()),
      lock_handlers_(objects.buckets(), objects.reads(), objects.writes(), authorizer_, io_),
      lifecycle_handlers_(objects.buckets(), io_) {}

Task<Response> S3Api::Impl::handle(http::HttpRequest& request, AuditNote& note) {
  auto host = request.header("host");
  Result<S3Target> target = parse_target(request.target(), host.value_or(""), options_.domains);
  if (!target.is_ok()) {
    std::string path = request.target().substr(0, request.target().find('?'));
    co_return error_response(request, path, target.status(), Subject::kObject);
  }
  note.bucket = target->bucket;
  note.object = target->key;
  if (request.method() == "OPTIONS") {
    note.op = "PreflightRequest";
    co_return co_await preflight(request, *target);
  }

  std::string resource = "/" + target->bucket + (target->key.empty() ? "" : "/" + target->key);
  Result<Authenticated> who = co_await authenticate(request, *target, note);
  if (!who.is_ok()) co_return error_response(request, resource, who.status(), Subject::kObject);
  note.user = who->caller.user_id;

  // Headers a presigner moved into the (signed) query string count as
  // headers, as on S3: handlers honour them and the table refuses them.
  for (const auto& [name, value] : target->query) {
    if (is_hoisted_header(name) && !request.header(name)) request.add_header(name, value);
  }
  // The request table (s3_routes.h) refuses what we do not do before
  // anything is read or changed.
  Result<const S3Route*> route = match_route(request.method(), *target, request.headers());
  if (!route.is_ok()) co_return error_response(request, resource, route.status(), Subject::kObject);
  note.op = (*route)->operation;

  S3Context ctx{request, std::move(target).value(), std::move(who->auth), std::move(who->caller),
                *route};
  if (auto denied = co_await authorizer_.authorize(ctx)) co_return std::move(*denied);
  if (ctx.target.key.size() > services::kMaxKeyLength) {
    co_return error_response(ctx, s3_status(S3Error::kKeyTooLongError, "your key is too long"),
                             Subject::kObject);
  }
  Response r = co_await ctx.route->handler(*this, ctx);
  co_await lifecycle_handlers_.add_expiration(ctx, r);
  if (request.header("origin") && !ctx.target.bucket.empty() && r.status < 500) {
    co_await add_cors_headers(ctx, r);
  }
  co_return r;
}

Task<Result<S3Api::Impl::Authenticated>> S3Api::Impl::authenticate(http::HttpRequest& request,
                                                                   const S3Target& target,
                                                                   AuditNote& note) {
  auth::SignableRequest signable{request.method(), target.raw_path, target.query,
                                 request.headers()};
  const bool v2 = is_sigv2(signable);
  Result<auth::AuthRequest> auth =
      v2 ? parse_sigv2(signable, options_.sigv2) : auth::parse_auth(signable);
  if (!auth.is_ok()) co_return auth.status();
  note.access_key = auth->access_key;  // the key id only, never its signature
  // Anonymous requests go on with no identity: authorize() lets them reach
  // only what a bucket policy or ACL opens to everyone.
  Authenticated who;
  if (auth->kind != auth::AuthKind::kAnonymous) {
    Result<services::Credential> cred = co_await users_.lookup(auth->access_key);
    if (!cred.is_ok()) {
      Status s = cred.status().code() == StatusCode::kUnauthenticated ||
                         cred.status().code() == StatusCode::kNotFound
                     ? s3_status(S3Error::kInvalidAccessKeyId,
                                 "the AWS access key id you provided does not "
                                 "exist in our records")
                     : cred.status();
      co_return s;
    }
    auto now = std::chrono::system_clock::now();
    Result<auth::AuthResult> verified = [&] {
      if (!v2) return auth::verify(*auth, signable, cred->secret, now);
      std::string_view t = request.target();
      size_t q = t.find('?');
      std::string_view raw_query = q == std::string_view::npos ? "" : t.substr(q + 1);
      std::string resource = sigv2_canonical_resource(target.virtual_host ? target.bucket : "",
                                                      target.raw_path, raw_query);
      return verify_sigv2(*auth, signable, resource, cred->secret, now);
    }();
    if (!verified.is_ok()) co_return verified.status();
    who.auth = std::move(verified).value();
    who.caller.user_id = cred->user_id;
  }

  co_return who;
}

namespace {

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) {
    if (!out.empty()) out += ", ";
    out += s;
  }
  return out;
}

std::vector<std::string> split_header_list(std::string_view v) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= v.size()) {
    size_t comma = v.find(',', start);
    if (comma == std::string_view::npos) comma = v.size();
    std::string_view item = v.substr(start, comma - start);
    item = trim(item, " ");
    if (!item.empty()) out.push_back(ascii_lower(item));
    start = comma + 1;
  }
  return out;
}

}  // namespace

Task<Response> S3Api::Impl::preflight(http::HttpRequest& request, const S3Target& target) {
  std::string resource = "/" + target.bucket;
  auto origin = request.header("origin");
  auto method = request.header("access-control-request-method");
  if (target.bucket.empty() || !origin || !method) {
    co_return error_response(request, resource,
                             s3_status(S3Error::kInvalidRequest,
                                       "a CORS preflight needs a bucket, Origin and "
                                       "Access-Control-Request-Method"),
                             Subject::kBucket);
  }
  std::vector<std::string> headers;
  if (auto h = request.header("access-control-request-headers")) headers = split_header_list(*h);
  auto rule = co_await buckets_.match_cors(target.bucket, std::string(*origin),
                                           std::string(*method), headers);
  if (!rule.is_ok()) co_return error_response(request, resource, rule.status(), Subject::kBucket);
  if (!*rule) {
    co_return error_response(
        request, resource,
        s3_status(S3Error::kAccessDenied, "CORSResponse: this CORS request is not allowed"),
        Subject::kBucket);
  }
  const services::CorsRule& r = **rule;
  Response resp = empty_response(200);
  bool any_origin = r.allowed_origins.size() == 1 && r.allowed_origins[0] == "*";
  resp.set("Access-Control-Allow-Origin", any_origin ? "*" : std::string(*origin));
  resp.set("Access-Control-Allow-Methods", join(r.allowed_methods));
  if (!headers.empty()) resp.set("Access-Control-Allow-Headers", join(headers));
  if (!r.expose_headers.empty()) resp.set("Access-Control-Expose-Headers", join(r.expose_headers));
  if (r.max_age_seconds) resp.set("Access-Control-Max-Age", std::to_string(*r.max_age_seconds));
  if (!any_origin)
    resp.set("Vary",
             "Origin, Access-Control-Request-Headers, "
             "Access-Control-Request-Method");
  co_return resp;
}

Task<void> S3Api::Impl::add_cors_headers(const S3Context& ctx, Response& response) {
  auto origin = ctx.header("origin");
  auto rule =
      co_await buckets_.match_cors(ctx.target.bucket, std::string(*origin), ctx.http.method(), {});
  if (!rule.is_ok() || !*rule) co_return;
  const services::CorsRule& r = **rule;
  bool any_origin = r.allowed_origins.size() == 1 && r.allowed_origins[0] == "*";
  response.set("Access-Control-Allow-Origin", any_origin ? "*" : std::string(*origin));
  response.set("Access-Control-Allow-Methods", join(r.allowed_methods));
  if (!r.expose_headers.empty())
    response.set("Access-Control-Expose-Headers", join(r.expose_headers));
  if (r.max_age_seconds) response.set("Access-Control-Max-Age", std::to_string(*r.max_age_seconds));
  if (!any_origin) response.set("Vary", "Origin");
}

}  // namespace skyarray::s3
