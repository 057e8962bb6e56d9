// Bucket controls over public access and ACLs: Get/Put/Delete-
// BucketPublicAccessBlock (?publicAccessBlock) and Get/Put/Delete-
// BucketOwnershipControls (?ownershipControls). What they change in access
// decisions is services/security/authorizer.h; what they refuse when ACLs
// or policies are set is check_acl_allowed (s3_acl.h) and put_bucket_policy.
#include "protocols/s3/s3_acl.h"
#include "protocols/s3/s3_api_impl.h"

namespace skyarray::s3 {

Task<Response> S3Api::Impl::get_public_access_block(S3Context& ctx) {
  auto pab = co_await objects.buckets().get_public_access_block(ctx.caller, ctx.target.bucket);
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

Task<Response> S3Api::Impl::put_public_access_block(S3Context& ctx) {
  auto body = co_await read_xml(ctx);
  if (!body.is_ok()) co_return error_response(ctx, body.status(), Subject::kBucket);
  auto pab = parse_public_access_block(*body);
  if (!pab.is_ok()) co_return error_response(ctx, pab.status(), Subject::kBucket);
  Status s =
      co_await objects.buckets().put_public_access_block(ctx.caller, ctx.target.bucket, *pab);
  if (!s.is_ok()) co_return error_response(ctx, s, Subject::kBucket);
  co_return empty_response(200);
}

Task<Response> S3Api::Impl::delete_public_access_block(S3Context& ctx) {
  Status s = co_await objects.buckets().delete_public_access_block(ctx.caller, ctx.target.bucket);
  if (!s.is_ok()) co_return error_response(ctx, s, Subject::kBucket);
  co_return empty_response(204);
}

Task<Response> S3Api::Impl::get_ownership_controls(S3Context& ctx) {
  auto o = co_await objects.buckets().get_ownership_controls(ctx.caller, ctx.target.bucket);
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

Task<Response> S3Api::Impl::put_ownership_controls(S3Context& ctx) {
  auto body = co_await read_xml(ctx);
  if (!body.is_ok()) co_return error_response(ctx, body.status(), Subject::kBucket);
  auto name = parse_ownership_controls(*body);
  if (!name.is_ok()) co_return error_response(ctx, name.status(), Subject::kBucket);
  auto ownership = object_ownership_from_name(*name);
  if (!ownership.is_ok()) co_return error_response(ctx, ownership.status(), Subject::kBucket);
  Status s =
      co_await objects.buckets().put_ownership_controls(ctx.caller, ctx.target.bucket, *ownership);
  if (!s.is_ok()) co_return error_response(ctx, s, Subject::kBucket);
  co_return empty_response(200);
}

Task<Response> S3Api::Impl::delete_ownership_controls(S3Context& ctx) {
  Status s = co_await objects.buckets().delete_ownership_controls(ctx.caller, ctx.target.bucket);
  if (!s.is_ok()) co_return error_response(ctx, s, Subject::kBucket);
  co_return empty_response(204);
}

}  // namespace skyarray::s3
