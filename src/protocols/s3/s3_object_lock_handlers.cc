// S3ObjectLockHandlers: Object Lock configuration, retention and legal hold
// (s3_object_lock_handlers.h).
#include "protocols/s3/s3_object_lock_handlers.h"

#include "common/ascii.h"
#include "protocols/s3/s3_authorizer.h"
#include "protocols/s3/s3_request_io.h"
#include "protocols/s3/s3_xml.h"

namespace skyarray::s3 {

namespace {

std::optional<std::string> version_of(const S3Context& ctx) {
  if (auto v = ctx.target.get("versionId")) return std::string(*v);
  return std::nullopt;
}

// S3 wants the integrity of these small bodies stated (read_xml() verifies
// whichever digest is sent).
Status needs_digest(const S3Context& ctx) {
  if (has_payload_digest(ctx)) return Status::ok();
  return s3_status(S3Error::kInvalidRequest,
                   "Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object Lock "
                   "requests");
}

Response with_version(Response r, const std::string& version_id) {
  if (!version_id.empty() && version_id != "null") r.set("x-amz-version-id", version_id);
  return r;
}

}  // namespace

Task<Result<bool>> governance_bypass(S3Authorizer& auth, const S3Context& ctx,
                                     const std::string& bucket, const std::string& key,
                                     const std::optional<std::string>& version_id) {
  auto h = ctx.header("x-amz-bypass-governance-retention");
  if (!h || !iequals(trim(*h), "true")) co_return false;
  co_return co_await auth.allowed(ctx, "s3:BypassGovernanceRetention", bucket, key, version_id);
}

Status S3ObjectLockHandlers::needs_object_lock(const S3Context& ctx) {
  if (ctx.access && ctx.access->object_lock_enabled) return Status::ok();
  return s3_status(S3Error::kInvalidRequest, "Bucket is missing Object Lock Configuration");
}

Task<Response> S3ObjectLockHandlers::get_object_lock_configuration(S3Context& ctx) {
  auto c = co_await buckets_.get_object_lock_configuration(ctx.caller, ctx.target.bucket);
  if (!c.is_ok()) {
    Status s = c.status();
    if (s.code() == StatusCode::kNotFound) {
      s = s3_status(S3Error::kObjectLockConfigurationNotFoundError,
                    "Object Lock configuration does not exist for this bucket");
    }
    co_return error_response(ctx, s, Subject::kBucket);
  }
  XmlWriter w("ObjectLockConfiguration");
  w.elem("ObjectLockEnabled", "Enabled");
  if (c->default_mode != services::RetentionMode::kNone) {
    w.open("Rule").open("DefaultRetention");
    w.elem("Mode", retention_mode_name(c->default_mode));
    if (c->default_days) w.elem("Days", uint64_t{c->default_days});
    if (c->default_years) w.elem("Years", uint64_t{c->default_years});
    w.close("DefaultRetention").close("Rule");
  }
  co_return xml_response(200, w.finish());
}

Task<Response> S3ObjectLockHandlers::put_object_lock_configuration(S3Context& ctx) {
  Status digest = needs_digest(ctx);
  if (!digest.is_ok()) co_return error_response(ctx, digest, Subject::kBucket);
  auto xml = co_await io_.read_xml(ctx);
  if (!xml.is_ok()) co_return error_response(ctx, xml.status(), Subject::kBucket);
  auto config = parse_object_lock_configuration(*xml);
  if (!config.is_ok()) co_return error_response(ctx, config.status(), Subject::kBucket);
  Status s =
      co_await buckets_.put_object_lock_configuration(ctx.caller, ctx.target.bucket, *config);
  if (s.code() == StatusCode::kConflict) s = s3_status(S3Error::kInvalidBucketState, s.message());
  co_return change_response(ctx, s, Subject::kBucket, 200);
}

Task<Result<services::ObjectLock>> S3ObjectLockHandlers::lock_of(S3Context& ctx) {
  SKY_CO_RETURN_IF_ERROR(needs_object_lock(ctx));
  services::GetOptions get;
  get.version_id = version_of(ctx);
  get.metadata_only = true;
  SKY_CO_ASSIGN_OR_RETURN(
      services::ObjectInfo info,
      co_await reads_.head_object(ctx.caller, ctx.target.bucket, ctx.target.key, get));
  co_return info.lock;
}

Task<Response> S3ObjectLockHandlers::get_object_retention(S3Context& ctx) {
  auto lock = co_await lock_of(ctx);
  if (!lock.is_ok()) co_return error_response(ctx, lock.status(), Subject::kObject);
  if (lock->mode == services::RetentionMode::kNone) {
    co_return error_response(ctx,
                             s3_status(S3Error::kNoSuchObjectLockConfiguration,
                                       "The specified object does not have a ObjectLock "
                                       "configuration"),
                             Subject::kObject);
  }
  XmlWriter w("Retention");
  w.elem("Mode", retention_mode_name(lock->mode));
  w.elem("RetainUntilDate", format_iso8601(from_ns(lock->retain_until_ns)));
  co_return xml_response(200, w.finish());
}

Task<Response> S3ObjectLockHandlers::put_object_retention(S3Context& ctx) {
  Status pre = needs_object_lock(ctx);
  if (pre.is_ok()) pre = needs_digest(ctx);
  if (!pre.is_ok()) co_return error_response(ctx, pre, Subject::kObject);
  auto xml = co_await io_.read_xml(ctx);
  if (!xml.is_ok()) co_return error_response(ctx, xml.status(), Subject::kObject);
  auto retention = parse_retention(*xml);
  if (!retention.is_ok()) co_return error_response(ctx, retention.status(), Subject::kObject);
  std::optional<std::string> vid = version_of(ctx);
  auto bypass = co_await governance_bypass(auth_, ctx, ctx.target.bucket, ctx.target.key, vid);
  if (!bypass.is_ok()) co_return error_response(ctx, bypass.status(), Subject::kObject);
  auto r = co_await writes_.put_object_retention(ctx.caller, ctx.target.bucket, ctx.target.key, vid,
                                                 *retention, *bypass);
  if (!r.is_ok()) co_return error_response(ctx, r.status(), Subject::kObject);
  co_return with_version(empty_response(200), *r);
}

Task<Response> S3ObjectLockHandlers::get_object_legal_hold(S3Context& ctx) {
  auto lock = co_await lock_of(ctx);
  if (!lock.is_ok()) co_return error_response(ctx, lock.status(), Subject::kObject);
  XmlWriter w("LegalHold");
  w.elem("Status", lock->legal_hold ? "ON" : "OFF");
  co_return xml_response(200, w.finish());
}

Task<Response> S3ObjectLockHandlers::put_object_legal_hold(S3Context& ctx) {
  Status pre = needs_object_lock(ctx);
  if (pre.is_ok()) pre = needs_digest(ctx);
  if (!pre.is_ok()) co_return error_response(ctx, pre, Subject::kObject);
  auto xml = co_await io_.read_xml(ctx);
  if (!xml.is_ok()) co_return error_response(ctx, xml.status(), Subject::kObject);
  auto on = parse_legal_hold(*xml);
  if (!on.is_ok()) co_return error_response(ctx, on.status(), Subject::kObject);
  std::optional<std::string> vid = version_of(ctx);
  auto r = co_await writes_.put_object_legal_hold(ctx.caller, ctx.target.bucket, ctx.target.key,
                                                  vid, *on);
  if (!r.is_ok()) co_return error_response(ctx, r.status(), Subject::kObject);
  co_return with_version(empty_response(200), *r);
}

}  // namespace skyarray::s3
