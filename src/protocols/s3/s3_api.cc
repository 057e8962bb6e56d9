#include "protocols/s3/s3_api.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <utility>

#include "common/ascii.h"
#include "common/checksum.h"
#include "common/config.h"
#include "common/encoding.h"
#include "protocols/s3/s3_api_impl.h"
#include "protocols/s3/s3_body.h"
#include "protocols/s3/sigv2.h"

namespace skyarray::s3 {

Result<S3ApiOptions> S3ApiOptions::from_config(const ConfigSection& section) {
  S3ApiOptions o;
  SKY_RETURN_IF_ERROR(section.read("region", &o.region));
  SKY_RETURN_IF_ERROR(section.read("domains", &o.domains));
  SKY_RETURN_IF_ERROR(section.read_size("max_xml_body", &o.max_xml_body, 1024, 64 << 20));
  SKY_RETURN_IF_ERROR(section.read_size("max_put_size", &o.max_put_size, 1, 5ull << 40));
  SKY_RETURN_IF_ERROR(section.read_size("stream_buffer", &o.stream_buffer, 64 << 10, 64 << 20));
  SKY_RETURN_IF_ERROR(section.read("sigv2", &o.sigv2));
  if (o.region.empty())
    return Status::invalid_argument(section.path() + ".region must not be empty");
  for (auto& d : o.domains) d = ascii_lower(d);
  return o;
}

std::string S3Context::resource() const {
  std::string r = "/" + target.bucket;
  if (!target.key.empty()) r += "/" + target.key;
  return r;
}

Response xml_response(unsigned status, std::string body) {
  Response r;
  r.status = status;
  r.set("Content-Type", "application/xml");
  r.body = std::move(body);
  return r;
}

Response empty_response(unsigned status) {
  Response r;
  r.status = status;
  return r;
}

Response error_response(const http::HttpRequest& http, const std::string& resource,
                        const Status& status, Subject subject) {
  S3ErrorInfo e = to_s3_error(status, subject);
  if (e.http_status == 500 || e.http_status == 503) {
    spdlog::error("s3 {} {} [{}]: {}", http.method(), resource, http.request_id(),
                  status.to_string());
  }
  Response r;
  r.status = e.http_status;
  if (http.method() == "HEAD" || e.http_status == 304) return r;
  XmlWriter w("Error", false);
  w.elem("Code", e.code).elem("Message", e.message).elem("Resource", resource);
  w.elem("RequestId", http.request_id()).elem("HostId", http.request_id());
  r.set("Content-Type", "application/xml");
  r.body = w.finish();
  return r;
}

http::HttpResponse s3_http_error(const http::HttpError& error, const std::string& request_id) {
  Response r;
  r.status = error.status;
  XmlWriter w("Error", false);
  w.elem("Code", error.code).elem("Message", error.message);
  w.elem("RequestId", request_id).elem("HostId", request_id);
  r.set("Content-Type", "application/xml");
  r.body = w.finish();
  return r;
}

Response error_response(const S3Context& ctx, const Status& status, Subject subject) {
  return error_response(ctx.http, ctx.resource(), status, subject);
}

S3Api::S3Api(services::ObjectService& objects, services::UserStore& users, S3ApiOptions options)
    : impl_(std::make_unique<Impl>(objects, users, std::move(options))) {}
S3Api::~S3Api() = default;

Task<http::HttpResponse> S3Api::handle(http::HttpRequest& request) {
  return impl_->handle(request);
}

Task<Response> S3Api::Impl::handle(http::HttpRequest& request) {
  auto host = request.header("host");
  Result<S3Target> target = parse_target(request.target(), host.value_or(""), options.domains);
  if (!target.is_ok()) {
    std::string path = request.target().substr(0, request.target().find('?'));
    co_return error_response(request, path, target.status(), Subject::kObject);
  }
  if (request.method() == "OPTIONS") co_return co_await preflight(request, *target);

  auth::SignableRequest signable{request.method(), target->raw_path, target->query,
                                 request.headers()};
  const bool v2 = is_sigv2(signable);
  Result<auth::AuthRequest> auth =
      v2 ? parse_sigv2(signable, options.sigv2) : auth::parse_auth(signable);
  std::string resource = "/" + target->bucket + (target->key.empty() ? "" : "/" + target->key);
  if (!auth.is_ok()) co_return error_response(request, resource, auth.status(), Subject::kObject);
  // Anonymous requests go on with no identity: authorize() lets them reach
  // only what a bucket policy or ACL opens to everyone.
  auth::AuthResult verified_auth;
  services::Caller caller;
  if (auth->kind != auth::AuthKind::kAnonymous) {
    Result<services::Credential> cred = co_await users.lookup(auth->access_key);
    if (!cred.is_ok()) {
      Status s = cred.status().code() == StatusCode::kUnauthenticated ||
                         cred.status().code() == StatusCode::kNotFound
                     ? s3_status(S3Error::kInvalidAccessKeyId,
                                 "the AWS access key id you provided does not exist in our records")
                     : cred.status();
      co_return error_response(request, resource, s, Subject::kObject);
    }
    auto now = std::chrono::system_clock::now();
    Result<auth::AuthResult> verified = [&] {
      if (!v2) return auth::verify(*auth, signable, cred->secret, now);
      std::string_view t = request.target();
      size_t q = t.find('?');
      std::string_view raw_query = q == std::string_view::npos ? "" : t.substr(q + 1);
      std::string resource = sigv2_canonical_resource(target->virtual_host ? target->bucket : "",
                                                      target->raw_path, raw_query);
      return verify_sigv2(*auth, signable, resource, cred->secret, now);
    }();
    if (!verified.is_ok())
      co_return error_response(request, resource, verified.status(), Subject::kObject);
    verified_auth = std::move(verified).value();
    caller.user_id = cred->user_id;
  }

  // Headers a presigner moved into the (signed) query string count as
  // headers, as on S3: handlers honour them and the table refuses them.
  for (const auto& [name, value] : target->query) {
    if (is_hoisted_header(name) && !request.header(name)) request.add_header(name, value);
  }
  // The request table (s3_routes.h) refuses what we do not do before
  // anything is read or changed.
  Result<const S3Route*> route = match_route(request.method(), *target, request.headers());
  if (!route.is_ok()) co_return error_response(request, resource, route.status(), Subject::kObject);

  S3Context ctx{request, std::move(target).value(), std::move(verified_auth), std::move(caller),
                *route};
  if (auto denied = co_await authorize(ctx)) co_return std::move(*denied);
  if (ctx.target.key.size() > services::kMaxKeyLength) {
    co_return error_response(ctx, s3_status(S3Error::kKeyTooLongError, "your key is too long"),
                             Subject::kObject);
  }
  Response r = co_await (this->*ctx.route->handler)(ctx);
  if (request.header("origin") && !ctx.target.bucket.empty() && r.status < 500) {
    co_await add_cors_headers(ctx, r);
  }
  co_return r;
}

Task<Result<std::string>> S3Api::Impl::read_xml(S3Context& ctx) {
  // authorize() may have read (and verified) the body already.
  if (ctx.xml_body) co_return *std::exchange(ctx.xml_body, std::nullopt);
  SKY_CO_ASSIGN_OR_RETURN(auto body, RequestBody::open(ctx.http, ctx.auth, options.max_xml_body));
  if (body->expected_size() && *body->expected_size() > options.max_xml_body) {
    co_return s3_status(
        S3Error::kMalformedXML,
        "the XML body is larger than " + std::to_string(options.max_xml_body) + " bytes");
  }
  std::string out;
  for (;;) {
    Result<Buffer> b = co_await body->next(64 * 1024);
    if (!b.is_ok()) co_return b.status();
    if (b->empty()) break;
    if (out.size() + b->size() > options.max_xml_body) {
      co_return s3_status(S3Error::kMalformedXML, "the XML body is too large");
    }
    out.append(b->view());
  }
  // x-amz-checksum-<alg> (header or trailer) covers the XML as sent, as
  // Content-MD5 does: the SDKs send one or the other with every XML body.
  // CompleteMultipartUpload is the exception: its checksum headers are the
  // whole object's, checked by the handler.
  std::vector<std::pair<std::string, std::string>> sums = body->trailers();
  if (ctx.route->operation != "CompleteMultipartUpload") {
    for (const auto& [name, value] : ctx.http.headers()) sums.emplace_back(name, value);
  }
  for (const auto& [name, value] : sums) {
    auto alg = checksum_from_header_name(name);
    if (!alg) continue;
    auto want = base64_decode(value);
    if (!want.is_ok() || want->size() != checksum_digest_size(*alg)) {
      co_return s3_status(S3Error::kInvalidRequest, "value for " + name + " header is invalid");
    }
    SKY_CO_ASSIGN_OR_RETURN(auto h, Checksum::create(*alg));
    h->update(out);
    if (h->finish() != *want) {
      co_return s3_status(S3Error::kBadDigest, "the " + std::string(checksum_algorithm_name(*alg)) +
                                                   " you specified did not match the calculated "
                                                   "checksum");
    }
  }
  if (auto md5 = ctx.header("content-md5")) {
    auto want = base64_decode(*md5);
    if (!want.is_ok() || want->size() != 16) {
      co_return s3_status(S3Error::kInvalidDigest, "the Content-MD5 you specified was invalid");
    }
    SKY_CO_ASSIGN_OR_RETURN(auto h, Checksum::create(ChecksumAlgorithm::kMd5));
    h->update(out);
    if (h->finish() != *want) {
      co_return s3_status(S3Error::kBadDigest,
                          "the Content-MD5 you specified did not match what we received");
    }
  }
  co_return out;
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
  auto rule = co_await objects.buckets().match_cors(target.bucket, std::string(*origin),
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
    resp.set("Vary", "Origin, Access-Control-Request-Headers, Access-Control-Request-Method");
  co_return resp;
}

Task<void> S3Api::Impl::add_cors_headers(const S3Context& ctx, Response& response) {
  auto origin = ctx.header("origin");
  auto rule = co_await objects.buckets().match_cors(ctx.target.bucket, std::string(*origin),
                                                    ctx.http.method(), {});
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
