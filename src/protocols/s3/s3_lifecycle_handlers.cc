// S3LifecycleHandlers: bucket lifecycle configuration and x-amz-expiration
// (s3_lifecycle_handlers.h).
#include "protocols/s3/s3_lifecycle_handlers.h"

#include "protocols/s3/s3_errors.h"
#include "protocols/s3/s3_lifecycle_xml.h"
#include "protocols/s3/s3_request_io.h"
#include "protocols/s3/s3_routes.h"

namespace skyarray::s3 {

Task<Response> S3LifecycleHandlers::get_bucket_lifecycle(S3Context& ctx) {
  auto c = co_await buckets_.get_lifecycle_configuration(ctx.caller, ctx.target.bucket);
  if (!c.is_ok()) {
    Status s = c.status();
    if (s.code() == StatusCode::kNotFound) {
      s = s3_status(S3Error::kNoSuchLifecycleConfiguration,
                    "The lifecycle configuration does not exist");
    }
    co_return error_response(ctx, s, Subject::kBucket);
  }
  co_return xml_response(200, lifecycle_configuration_xml(*c));
}

Task<Response> S3LifecycleHandlers::put_bucket_lifecycle(S3Context& ctx) {
  if (!has_payload_digest(ctx)) {
    co_return error_response(ctx,
                             s3_status(S3Error::kInvalidRequest,
                                       "Missing required header for this request: Content-MD5 OR "
                                       "x-amz-checksum-*"),
                             Subject::kBucket);
  }
  auto xml = co_await io_.read_xml(ctx);
  if (!xml.is_ok()) co_return error_response(ctx, xml.status(), Subject::kBucket);
  auto config = parse_lifecycle_configuration(*xml);
  if (!config.is_ok()) co_return error_response(ctx, config.status(), Subject::kBucket);
  Status s = co_await buckets_.put_lifecycle_configuration(ctx.caller, ctx.target.bucket, *config);
  co_return change_response(ctx, s, Subject::kBucket, 200);
}

Task<Response> S3LifecycleHandlers::delete_bucket_lifecycle(S3Context& ctx) {
  Status s = co_await buckets_.delete_lifecycle_configuration(ctx.caller, ctx.target.bucket);
  co_return change_response(ctx, s, Subject::kBucket, 204);
}

Task<void> S3LifecycleHandlers::add_expiration(const S3Context& ctx, Response& response) {
  if (!ctx.access || !ctx.access->lifecycle_configured || response.status >= 300) co_return;
  const std::string_view op = ctx.route->operation;
  if (op != "GetObject" && op != "HeadObject" && op != "PutObject" && op != "CopyObject" &&
      op != "CompleteMultipartUpload") {
    co_return;
  }
  std::optional<std::string> version_id;
  if (auto v = ctx.target.get("versionId")) version_id = std::string(*v);
  auto e = co_await buckets_.lifecycle_expiration(ctx.caller, ctx.target.bucket, ctx.target.key,
                                                  version_id);
  if (!e.is_ok() || !*e) co_return;
  response.set("x-amz-expiration", "expiry-date=\"" + format_http_date(from_ns((*e)->date_ns)) +
                                       "\", rule-id=\"" + (*e)->rule_id + "\"");
}

}  // namespace skyarray::s3
