// S3AccessHandlers: bucket policy, Block Public Access, OwnershipControls,
// ACLs.
#include "protocols/s3/s3_access_handlers.h"

#include "common/encoding.h"
#include "protocols/s3/s3_acl.h"
#include "protocols/s3/s3_request_io.h"
#include "protocols/s3/s3_xml.h"

namespace skyarray::s3 {

namespace {

Status access_denied() {
  return s3_status(S3Error::kAccessDenied, "Access Denied");
}

}  // namespace

Task<Response> S3AccessHandlers::get_bucket_policy(S3Context& ctx) {
  auto policy = co_await buckets_.get_bucket_policy(ctx.caller, ctx.target.bucket);
  if (!policy.is_ok()) co_return error_response(ctx, policy.status(), Subject::kBucket);
  if (policy->empty()) {
    co_return error_response(
        ctx, s3_status(S3Error::kNoSuchBucketPolicy, "The bucket policy does not exist"),
        Subject::kBucket);
  }
  Response r;
  r.status = 200;
  r.set("Content-Type", "application/json");
  r.body = std::move(*policy);
  co_return r;
}

Task<Response> S3AccessHandlers::put_bucket_policy(S3Context& ctx) {
  auto body = co_await io_.read_xml(ctx);  // size-capped, Content-MD5 checked
  if (!body.is_ok()) co_return error_response(ctx, body.status(), Subject::kBucket);
  auto parsed = services::BucketPolicy::parse(*body, ctx.target.bucket);
  if (!parsed.is_ok()) {
    co_return error_response(ctx, s3_status(S3Error::kMalformedPolicy, parsed.status().message()),
                             Subject::kBucket);
  }
  if (ctx.access->public_access_block.block_public_policy && parsed->is_public()) {
    co_return error_response(ctx, access_denied(), Subject::kBucket);
  }
  Status s = co_await buckets_.put_bucket_policy(ctx.caller, ctx.target.bucket, *body);
  co_return change_response(ctx, s, Subject::kBucket, 204);
}

Task<Response> S3AccessHandlers::delete_bucket_policy(S3Context& ctx) {
  Status s = co_await buckets_.delete_bucket_policy(ctx.caller, ctx.target.bucket);
  co_return change_response(ctx, s, Subject::kBucket, 204);
}

Task<Response> S3AccessHandlers::get_bucket_policy_status(S3Context& ctx) {
  auto policy = co_await buckets_.get_bucket_policy(ctx.caller, ctx.target.bucket);
  if (!policy.is_ok()) co_return error_response(ctx, policy.status(), Subject::kBucket);
  if (policy->empty()) {
    co_return error_response(
        ctx, s3_status(S3Error::kNoSuchBucketPolicy, "The bucket policy does not exist"),
        Subject::kBucket);
  }
  auto parsed = services::BucketPolicy::parse(*policy, ctx.target.bucket);
  if (!parsed.is_ok()) co_return error_response(ctx, parsed.status(), Subject::kBucket);
  XmlWriter w("PolicyStatus");
  w.elem_bool("IsPublic", parsed->is_public());
  co_return xml_response(200, w.finish());
}

Task<Response> S3AccessHandlers::get_public_access_block(S3Context& ctx) {
  auto pab = co_await buckets_.get_public_access_block(ctx.caller, ctx.target.bucket);
  if (!pab.is_ok()) co_return error_response(ctx, pab.status(), Subject::kBucket);
  if (!*pab) {
    co_return error_response(ctx,
                             s3_status(S3Error::kNoSuchPublicAccessBlockConfiguration,
                                       "The public access block configuration was not found"),
                             Subject::kBucket);
  }
  XmlWriter w("PublicAccessBlockConfiguration");
  w.elem_bool("BlockPublicAcls", (*pab)->block_public_acls);
  w.elem_bool("IgnorePublicAcls", (*pab)->ignore_public_acls);
  w.elem_bool("BlockPublicPolicy", (*pab)->block_public_policy);
  w.elem_bool("RestrictPublicBuckets", (*pab)->restrict_public_buckets);
  co_return xml_response(200, w.finish());
}

Task<Response> S3AccessHandlers::put_public_access_block(S3Context& ctx) {
  auto body = co_await io_.read_xml(ctx);
  if (!body.is_ok()) co_return error_response(ctx, body.status(), Subject::kBucket);
  auto pab = parse_public_access_block(*body);
  if (!pab.is_ok()) co_return error_response(ctx, pab.status(), Subject::kBucket);
  Status s = co_await buckets_.put_public_access_block(ctx.caller, ctx.target.bucket, *pab);
  co_return change_response(ctx, s, Subject::kBucket, 200);
}

Task<Response> S3AccessHandlers::delete_public_access_block(S3Context& ctx) {
  Status s = co_await buckets_.delete_public_access_block(ctx.caller, ctx.target.bucket);
  co_return change_response(ctx, s, Subject::kBucket, 204);
}

Task<Response> S3AccessHandlers::get_ownership_controls(S3Context& ctx) {
  auto o = co_await buckets_.get_ownership_controls(ctx.caller, ctx.target.bucket);
  if (!o.is_ok()) co_return error_response(ctx, o.status(), Subject::kBucket);
  if (!*o) {
    co_return error_response(ctx,
                             s3_status(S3Error::kOwnershipControlsNotFoundError,
                                       "The bucket ownership controls were not found"),
                             Subject::kBucket);
  }
  XmlWriter w("OwnershipControls");
  w.open("Rule").elem("ObjectOwnership", services::object_ownership_name(**o)).close("Rule");
  co_return xml_response(200, w.finish());
}

Task<Response> S3AccessHandlers::put_ownership_controls(S3Context& ctx) {
  auto body = co_await io_.read_xml(ctx);
  if (!body.is_ok()) co_return error_response(ctx, body.status(), Subject::kBucket);
  auto name = parse_ownership_controls(*body);
  if (!name.is_ok()) co_return error_response(ctx, name.status(), Subject::kBucket);
  auto ownership = object_ownership_from_name(*name);
  if (!ownership.is_ok()) co_return error_response(ctx, ownership.status(), Subject::kBucket);
  Status s = co_await buckets_.put_ownership_controls(ctx.caller, ctx.target.bucket, *ownership);
  co_return change_response(ctx, s, Subject::kBucket, 200);
}

Task<Response> S3AccessHandlers::delete_ownership_controls(S3Context& ctx) {
  Status s = co_await buckets_.delete_ownership_controls(ctx.caller, ctx.target.bucket);
  co_return change_response(ctx, s, Subject::kBucket, 204);
}

Task<Response> S3AccessHandlers::get_acl(S3Context& ctx) {
  const bool object = !ctx.target.key.empty();
  const Subject subject = object ? Subject::kObject : Subject::kBucket;
  Result<services::AccessControlList> acl = services::AccessControlList();
  if (object) {
    std::optional<std::string> version;
    if (auto v = ctx.target.get("versionId")) version = std::string(*v);
    acl = co_await reads_.get_object_acl(ctx.caller, ctx.target.bucket, ctx.target.key, version);
  } else {
    acl = co_await buckets_.get_bucket_acl(ctx.caller, ctx.target.bucket);
  }
  if (!acl.is_ok()) co_return error_response(ctx, acl.status(), subject);
  // Objects belong to the bucket owner (see
  // services/security/access_control_list.h).
  co_return xml_response(200, acl_to_xml(ctx.access->owner, *acl));
}

Task<Response> S3AccessHandlers::put_acl(S3Context& ctx) {
  const bool object = !ctx.target.key.empty();
  const Subject subject = object ? Subject::kObject : Subject::kBucket;
  auto from_headers = acl_from_headers(ctx.http);
  if (!from_headers.is_ok()) co_return error_response(ctx, from_headers.status(), subject);
  auto body = co_await io_.read_xml(ctx);
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
    auto id = co_await writes_.put_object_acl(ctx.caller, ctx.target.bucket, ctx.target.key,
                                              version, acl);
    if (!id.is_ok()) co_return error_response(ctx, id.status(), subject);
    if (*id != "null") r.set("x-amz-version-id", *id);
  } else {
    Status s = co_await buckets_.put_bucket_acl(ctx.caller, ctx.target.bucket, acl);
    if (!s.is_ok()) co_return error_response(ctx, s, subject);
  }
  co_return r;
}

}  // namespace skyarray::s3
