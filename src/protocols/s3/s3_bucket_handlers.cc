// S3BucketHandlers: ListBuckets, bucket CRUD, versioning, tagging, CORS.
#include "protocols/s3/s3_bucket_handlers.h"

#include <charconv>
#include "common/ascii.h"
#include "common/encoding.h"
#include "protocols/s3/s3_acl.h"
#include "protocols/s3/s3_request_io.h"
#include "protocols/s3/s3_sse.h"
#include "protocols/s3/s3_xml.h"

namespace skyarray::s3 {

namespace {

constexpr std::string_view kNs = "http://s3.amazonaws.com/doc/2006-03-01/";

}  // namespace

Task<Response> S3BucketHandlers::list_buckets(S3Context& ctx) {
  const S3Target& t = ctx.target;
  // Paging (max-buckets, continuation-token) and filters (prefix,
  // bucket-region). The token is the hex of the last name returned.
  uint32_t max_buckets = 10000;
  if (auto v = t.get("max-buckets")) {
    auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), max_buckets);
    if (v->empty() || ec != std::errc() || p != v->data() + v->size() || max_buckets < 1 ||
        max_buckets > 10000) {
      co_return error_response(
          ctx, s3_status(S3Error::kInvalidArgument, "max-buckets must be between 1 and 10000"),
          Subject::kBucket);
    }
  }
  std::string after;
  if (auto v = t.get("continuation-token")) {
    auto raw = hex_decode(*v);
    if (!raw.is_ok() || raw->empty()) {
      co_return error_response(
          ctx, s3_status(S3Error::kInvalidArgument, "the continuation token provided is incorrect"),
          Subject::kBucket);
    }
    after = std::move(*raw);
  }
  std::string prefix(t.get("prefix").value_or(""));
  std::optional<std::string_view> region = t.get("bucket-region");
  auto buckets = co_await buckets_.list_buckets(ctx.caller);
  if (!buckets.is_ok()) co_return error_response(ctx, buckets.status(), Subject::kBucket);
  XmlWriter w("ListAllMyBucketsResult");
  owner_xml(w, ctx.caller.user_id);
  w.open("Buckets");
  uint32_t listed = 0;
  std::string last, next;
  for (const auto& b : *buckets) {  // by name
    const std::string& b_region = b.region.empty() ? io_.options().region : b.region;
    if (b.name <= after && !after.empty()) continue;
    if (b.name.compare(0, prefix.size(), prefix) != 0) continue;
    if (region && *region != b_region) continue;
    if (listed == max_buckets) {
      next = hex_encode(last);
      break;
    }
    w.open("Bucket").elem("Name", b.name).elem("CreationDate", format_iso8601(b.created));
    w.elem("BucketRegion", b_region);
    w.close("Bucket");
    last = b.name;
    ++listed;
  }
  w.close("Buckets");
  if (!next.empty()) w.elem("ContinuationToken", next);
  if (t.has("prefix")) w.elem("Prefix", prefix);
  co_return xml_response(200, w.finish());
}

Task<Response> S3BucketHandlers::create_bucket(S3Context& ctx) {
  auto xml = co_await io_.read_xml(ctx);
  if (!xml.is_ok()) co_return error_response(ctx, xml.status(), Subject::kBucket);
  auto location = parse_create_bucket(*xml);
  if (!location.is_ok()) co_return error_response(ctx, location.status(), Subject::kBucket);
  auto acl = acl_from_headers(ctx.http);
  if (!acl.is_ok()) co_return error_response(ctx, acl.status(), Subject::kBucket);
  services::CreateBucketOptions opts;
  opts.region = *location;
  if (auto o = ctx.header("x-amz-object-ownership")) {
    auto ownership = object_ownership_from_name(*o);
    if (!ownership.is_ok()) co_return error_response(ctx, ownership.status(), Subject::kBucket);
    opts.ownership = *ownership;
    auto canned = ctx.header("x-amz-acl");
    if (*acl && (!canned || (*canned != "private" && *canned != "bucket-owner-full-control"))) {
      co_return error_response(ctx,
                               s3_status(S3Error::kInvalidBucketAclWithObjectOwnership,
                                         "Bucket cannot have ACLs set with ObjectOwnership's "
                                         "BucketOwnerEnforced setting"),
                               Subject::kBucket);
    }
  }
  if (*acl) opts.acl = std::move(**acl);
  if (auto lock = ctx.header("x-amz-bucket-object-lock-enabled")) {
    if (iequals(*lock, "true")) {
      opts.object_lock_enabled = true;
    } else if (!iequals(*lock, "false")) {
      co_return error_response(ctx,
                               s3_status(S3Error::kInvalidArgument,
                                         "x-amz-bucket-object-lock-enabled must be true or false"),
                               Subject::kBucket);
    }
  }
  auto r = co_await buckets_.create_bucket(ctx.caller, ctx.target.bucket, opts);
  if (!r.is_ok() && r.status().code() == StatusCode::kBucketAlreadyOwnedByYou) {
    // S3 in us-east-1, for legacy compatibility: re-creating a bucket you
    // own answers 200 and resets its ACL to the one this request gives.
    auto existing = co_await buckets_.head_bucket(ctx.caller, ctx.target.bucket);
    if (existing.is_ok()) {
      std::string region = existing->region.empty() ? io_.options().region : existing->region;
      if (region == "us-east-1" && (opts.region.empty() || opts.region == region)) {
        Status reset = co_await buckets_.put_bucket_acl(ctx.caller, ctx.target.bucket, opts.acl);
        if (!reset.is_ok()) co_return error_response(ctx, reset, Subject::kBucket);
        Response resp = empty_response(200);
        resp.set("Location", "/" + ctx.target.bucket);
        co_return resp;
      }
    }
  }
  if (!r.is_ok()) co_return error_response(ctx, r.status(), Subject::kBucket);
  Response resp = empty_response(200);
  resp.set("Location", "/" + ctx.target.bucket);
  co_return resp;
}

Task<Response> S3BucketHandlers::head_bucket(S3Context& ctx) {
  auto r = co_await buckets_.head_bucket(ctx.caller, ctx.target.bucket);
  if (!r.is_ok()) co_return error_response(ctx, r.status(), Subject::kBucket);
  Response resp = empty_response(200);
  resp.set("x-amz-bucket-region", r->region.empty() ? io_.options().region : r->region);
  co_return resp;
}

Task<Response> S3BucketHandlers::delete_bucket(S3Context& ctx) {
  Status s = co_await buckets_.delete_bucket(ctx.caller, ctx.target.bucket);
  co_return change_response(ctx, s, Subject::kBucket, 204);
}

Task<Response> S3BucketHandlers::get_bucket_location(S3Context& ctx) {
  auto r = co_await buckets_.head_bucket(ctx.caller, ctx.target.bucket);
  if (!r.is_ok()) co_return error_response(ctx, r.status(), Subject::kBucket);
  // S3 reports us-east-1 as an empty constraint.
  std::string region = r->region == "us-east-1" ? std::string() : r->region;
  std::string body =
      "<?xml version=\"1.0\" "
      "encoding=\"UTF-8\"?>\n<LocationConstraint xmlns=\"" +
      std::string(kNs) + "\">" + xml_escape(region) + "</LocationConstraint>";
  co_return xml_response(200, std::move(body));
}

Task<Response> S3BucketHandlers::get_bucket_versioning(S3Context& ctx) {
  auto r = co_await buckets_.head_bucket(ctx.caller, ctx.target.bucket);
  if (!r.is_ok()) co_return error_response(ctx, r.status(), Subject::kBucket);
  XmlWriter w("VersioningConfiguration");
  if (r->versioning == services::VersioningState::kEnabled) w.elem("Status", "Enabled");
  if (r->versioning == services::VersioningState::kSuspended) w.elem("Status", "Suspended");
  co_return xml_response(200, w.finish());
}

Task<Response> S3BucketHandlers::put_bucket_versioning(S3Context& ctx) {
  auto xml = co_await io_.read_xml(ctx);
  if (!xml.is_ok()) co_return error_response(ctx, xml.status(), Subject::kBucket);
  auto state = parse_versioning(*xml);
  if (!state.is_ok()) co_return error_response(ctx, state.status(), Subject::kBucket);
  Status s = co_await buckets_.set_bucket_versioning(ctx.caller, ctx.target.bucket, *state);
  if (s.code() == StatusCode::kConflict) s = s3_status(S3Error::kInvalidBucketState, s.message());
  co_return change_response(ctx, s, Subject::kBucket, 200);
}

Task<Response> S3BucketHandlers::get_bucket_encryption(S3Context& ctx) {
  auto e = co_await buckets_.get_bucket_encryption(ctx.caller, ctx.target.bucket);
  if (!e.is_ok()) co_return error_response(ctx, e.status(), Subject::kBucket);
  if (e->mode == services::SseMode::kNone) {
    co_return error_response(ctx,
                             s3_status(S3Error::kServerSideEncryptionConfigurationNotFoundError,
                                       "The server side encryption configuration was not found"),
                             Subject::kBucket);
  }
  XmlWriter w("ServerSideEncryptionConfiguration");
  w.open("Rule").open("ApplyServerSideEncryptionByDefault");
  w.elem("SSEAlgorithm", sse_algorithm_name(e->mode));
  if (!e->kms_key_id.empty()) w.elem("KMSMasterKeyID", e->kms_key_id);
  w.close("ApplyServerSideEncryptionByDefault").elem_bool("BucketKeyEnabled", e->bucket_key);
  w.close("Rule");
  co_return xml_response(200, w.finish());
}

Task<Response> S3BucketHandlers::put_bucket_encryption(S3Context& ctx) {
  auto xml = co_await io_.read_xml(ctx);
  if (!xml.is_ok()) co_return error_response(ctx, xml.status(), Subject::kBucket);
  auto e = parse_bucket_encryption(*xml);
  if (!e.is_ok()) co_return error_response(ctx, e.status(), Subject::kBucket);
  Status s = co_await buckets_.put_bucket_encryption(ctx.caller, ctx.target.bucket, *e);
  co_return change_response(ctx, s, Subject::kBucket, 200);
}

Task<Response> S3BucketHandlers::delete_bucket_encryption(S3Context& ctx) {
  Status s = co_await buckets_.delete_bucket_encryption(ctx.caller, ctx.target.bucket);
  co_return change_response(ctx, s, Subject::kBucket, 204);
}

Task<Response> S3BucketHandlers::get_bucket_tagging(S3Context& ctx) {
  auto tags = co_await buckets_.get_bucket_tagging(ctx.caller, ctx.target.bucket);
  if (!tags.is_ok()) co_return error_response(ctx, tags.status(), Subject::kBucket);
  if (tags->empty()) {
    co_return error_response(ctx, s3_status(S3Error::kNoSuchTagSet, "the TagSet does not exist"),
                             Subject::kBucket);
  }
  XmlWriter w("Tagging");
  w.open("TagSet");
  for (const auto& [k, v] : *tags) w.open("Tag").elem("Key", k).elem("Value", v).close("Tag");
  w.close("TagSet");
  co_return xml_response(200, w.finish());
}

Task<Response> S3BucketHandlers::put_bucket_tagging(S3Context& ctx) {
  auto xml = co_await io_.read_xml(ctx);
  if (!xml.is_ok()) co_return error_response(ctx, xml.status(), Subject::kBucket);
  auto tags = parse_tagging(*xml, 50);
  if (!tags.is_ok()) co_return error_response(ctx, tags.status(), Subject::kBucket);
  Status s = co_await buckets_.put_bucket_tagging(ctx.caller, ctx.target.bucket, std::move(*tags));
  co_return change_response(ctx, s, Subject::kBucket, 204);
}

Task<Response> S3BucketHandlers::delete_bucket_tagging(S3Context& ctx) {
  Status s = co_await buckets_.delete_bucket_tagging(ctx.caller, ctx.target.bucket);
  co_return change_response(ctx, s, Subject::kBucket, 204);
}

Task<Response> S3BucketHandlers::get_bucket_cors(S3Context& ctx) {
  auto rules = co_await buckets_.get_bucket_cors(ctx.caller, ctx.target.bucket);
  if (!rules.is_ok()) co_return error_response(ctx, rules.status(), Subject::kBucket);
  if (rules->empty()) {
    co_return error_response(
        ctx, s3_status(S3Error::kNoSuchCORSConfiguration, "the CORS configuration does not exist"),
        Subject::kBucket);
  }
  XmlWriter w("CORSConfiguration");
  for (const auto& r : *rules) {
    w.open("CORSRule");
    if (!r.id.empty()) w.elem("ID", r.id);
    for (const auto& v : r.allowed_headers) w.elem("AllowedHeader", v);
    for (const auto& v : r.allowed_methods) w.elem("AllowedMethod", v);
    for (const auto& v : r.allowed_origins) w.elem("AllowedOrigin", v);
    for (const auto& v : r.expose_headers) w.elem("ExposeHeader", v);
    if (r.max_age_seconds) w.elem("MaxAgeSeconds", static_cast<uint64_t>(*r.max_age_seconds));
    w.close("CORSRule");
  }
  co_return xml_response(200, w.finish());
}

Task<Response> S3BucketHandlers::put_bucket_cors(S3Context& ctx) {
  auto xml = co_await io_.read_xml(ctx);
  if (!xml.is_ok()) co_return error_response(ctx, xml.status(), Subject::kBucket);
  auto rules = parse_cors(*xml);
  if (!rules.is_ok()) co_return error_response(ctx, rules.status(), Subject::kBucket);
  Status s = co_await buckets_.put_bucket_cors(ctx.caller, ctx.target.bucket, std::move(*rules));
  co_return change_response(ctx, s, Subject::kBucket, 200);
}

Task<Response> S3BucketHandlers::delete_bucket_cors(S3Context& ctx) {
  Status s = co_await buckets_.delete_bucket_cors(ctx.caller, ctx.target.bucket);
  co_return change_response(ctx, s, Subject::kBucket, 204);
}

}  // namespace skyarray::s3
