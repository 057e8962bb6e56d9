// ACL operations: Get/PutBucketAcl and Get/PutObjectAcl.
#include "protocols/s3/s3_acl.h"
#include "protocols/s3/s3_api_impl.h"

namespace skyarray::s3 {

Task<Response> S3Api::Impl::get_acl(S3Context& ctx) {
  const bool object = !ctx.target.key.empty();
  const Subject subject = object ? Subject::kObject : Subject::kBucket;
  Result<services::AccessControlList> acl = services::AccessControlList();
  if (object) {
    std::optional<std::string> version;
    if (auto v = ctx.target.get("versionId")) version = std::string(*v);
    acl = co_await objects.reads().get_object_acl(ctx.caller, ctx.target.bucket, ctx.target.key,
                                                  version);
  } else {
    acl = co_await objects.buckets().get_bucket_acl(ctx.caller, ctx.target.bucket);
  }
  if (!acl.is_ok()) co_return error_response(ctx, acl.status(), subject);
  // Objects belong to the bucket owner (see services/security/access_control_list.h).
  co_return xml_response(200, acl_to_xml(ctx.access->owner, *acl));
}

Task<Response> S3Api::Impl::put_acl(S3Context& ctx) {
  const bool object = !ctx.target.key.empty();
  const Subject subject = object ? Subject::kObject : Subject::kBucket;
  auto from_headers = acl_from_headers(ctx.http);
  if (!from_headers.is_ok()) co_return error_response(ctx, from_headers.status(), subject);
  auto body = co_await read_xml(ctx);
  if (!body.is_ok()) co_return error_response(ctx, body.status(), subject);
  services::AccessControlList acl;
  if (*from_headers) {
    if (!body->empty()) {
      co_return error_response(
          ctx,
          s3_status(S3Error::kInvalidRequest, "an ACL is given either in headers or in the body"),
          subject);
    }
    acl = std::move(**from_headers);
  } else {
    if (body->empty()) {
      co_return error_response(
          ctx, s3_status(S3Error::kMissingSecurityHeader, "x-amz-acl or an ACL body is required"),
          subject);
    }
    auto xml = parse_access_control_policy(*body);
    if (!xml.is_ok()) co_return error_response(ctx, xml.status(), subject);
    auto parsed = acl_from_xml(*xml);
    if (!parsed.is_ok()) co_return error_response(ctx, parsed.status(), subject);
    acl = std::move(*parsed);
  }
  if (Status s = check_acl_allowed(ctx.header("x-amz-acl"), acl, *ctx.access); !s.is_ok()) {
    co_return error_response(ctx, s, subject);
  }
  Response r = empty_response(200);
  if (object) {
    std::optional<std::string> version;
    if (auto v = ctx.target.get("versionId")) version = std::string(*v);
    auto id = co_await objects.writes().put_object_acl(ctx.caller, ctx.target.bucket,
                                                       ctx.target.key, version, acl);
    if (!id.is_ok()) co_return error_response(ctx, id.status(), subject);
    if (*id != "null") r.set("x-amz-version-id", *id);
  } else {
    Status s = co_await objects.buckets().put_bucket_acl(ctx.caller, ctx.target.bucket, acl);
    if (!s.is_ok()) co_return error_response(ctx, s, subject);
  }
  co_return r;
}

}  // namespace skyarray::s3
