// Service- and bucket-level S3 operations: ListBuckets, bucket CRUD and
// configuration (versioning, tagging, CORS), listings and DeleteObjects.
#include <charconv>

#include "common/encoding.h"
#include "protocols/s3/s3_acl.h"
#include "protocols/s3/s3_api_impl.h"

namespace skyarray::s3 {

namespace {

constexpr std::string_view kNs = "http://s3.amazonaws.com/doc/2006-03-01/";

void owner(XmlWriter& w, const std::string& id) {
  w.open("Owner").elem("ID", id).elem("DisplayName", id).close("Owner");
}

}  // namespace

Task<Response> S3Api::Impl::list_buckets(S3Context& ctx) {
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
  auto buckets = co_await objects.buckets().list_buckets(ctx.caller);
  if (!buckets.is_ok()) co_return error_response(ctx, buckets.status(), Subject::kBucket);
  XmlWriter w("ListAllMyBucketsResult");
  owner(w, ctx.caller.user_id);
  w.open("Buckets");
  uint32_t listed = 0;
  std::string last, next;
  for (const auto& b : *buckets) {  // by name
    const std::string& b_region = b.region.empty() ? options.region : b.region;
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

Task<Response> S3Api::Impl::create_bucket(S3Context& ctx) {
  auto xml = co_await read_xml(ctx);
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
      co_return error_response(
          ctx,
          s3_status(
              S3Error::kInvalidBucketAclWithObjectOwnership,
              "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting"),
          Subject::kBucket);
    }
  }
  if (*acl) opts.acl = std::move(**acl);
  auto r = co_await objects.buckets().create_bucket(ctx.caller, ctx.target.bucket, opts);
  if (!r.is_ok() && r.status().code() == StatusCode::kBucketAlreadyOwnedByYou) {
    // S3 in us-east-1, for legacy compatibility: re-creating a bucket you
    // own answers 200 and resets its ACL to the one this request gives.
    auto existing = co_await objects.buckets().head_bucket(ctx.caller, ctx.target.bucket);
    if (existing.is_ok()) {
      std::string region = existing->region.empty() ? options.region : existing->region;
      if (region == "us-east-1" && (opts.region.empty() || opts.region == region)) {
        Status reset =
            co_await objects.buckets().put_bucket_acl(ctx.caller, ctx.target.bucket, opts.acl);
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

Task<Response> S3Api::Impl::head_bucket(S3Context& ctx) {
  auto r = co_await objects.buckets().head_bucket(ctx.caller, ctx.target.bucket);
  if (!r.is_ok()) co_return error_response(ctx, r.status(), Subject::kBucket);
  Response resp = empty_response(200);
  resp.set("x-amz-bucket-region", r->region.empty() ? options.region : r->region);
  co_return resp;
}

Task<Response> S3Api::Impl::delete_bucket(S3Context& ctx) {
  Status s = co_await objects.buckets().delete_bucket(ctx.caller, ctx.target.bucket);
  if (!s.is_ok()) co_return error_response(ctx, s, Subject::kBucket);
  co_return empty_response(204);
}

Task<Response> S3Api::Impl::get_bucket_location(S3Context& ctx) {
  auto r = co_await objects.buckets().head_bucket(ctx.caller, ctx.target.bucket);
  if (!r.is_ok()) co_return error_response(ctx, r.status(), Subject::kBucket);
  // S3 reports us-east-1 as an empty constraint.
  std::string region = r->region == "us-east-1" ? std::string() : r->region;
  std::string body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<LocationConstraint xmlns=\"" +
                     std::string(kNs) + "\">" + xml_escape(region) + "</LocationConstraint>";
  co_return xml_response(200, std::move(body));
}

Task<Response> S3Api::Impl::get_bucket_versioning(S3Context& ctx) {
  auto r = co_await objects.buckets().head_bucket(ctx.caller, ctx.target.bucket);
  if (!r.is_ok()) co_return error_response(ctx, r.status(), Subject::kBucket);
  XmlWriter w("VersioningConfiguration");
  if (r->versioning == services::VersioningState::kEnabled) w.elem("Status", "Enabled");
  if (r->versioning == services::VersioningState::kSuspended) w.elem("Status", "Suspended");
  co_return xml_response(200, w.finish());
}

Task<Response> S3Api::Impl::put_bucket_versioning(S3Context& ctx) {
  auto xml = co_await read_xml(ctx);
  if (!xml.is_ok()) co_return error_response(ctx, xml.status(), Subject::kBucket);
  auto state = parse_versioning(*xml);
  if (!state.is_ok()) co_return error_response(ctx, state.status(), Subject::kBucket);
  Status s =
      co_await objects.buckets().set_bucket_versioning(ctx.caller, ctx.target.bucket, *state);
  if (!s.is_ok()) co_return error_response(ctx, s, Subject::kBucket);
  co_return empty_response(200);
}

Task<Response> S3Api::Impl::get_bucket_tagging(S3Context& ctx) {
  auto tags = co_await objects.buckets().get_bucket_tagging(ctx.caller, ctx.target.bucket);
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

Task<Response> S3Api::Impl::put_bucket_tagging(S3Context& ctx) {
  auto xml = co_await read_xml(ctx);
  if (!xml.is_ok()) co_return error_response(ctx, xml.status(), Subject::kBucket);
  auto tags = parse_tagging(*xml, 50);
  if (!tags.is_ok()) co_return error_response(ctx, tags.status(), Subject::kBucket);
  Status s = co_await objects.buckets().put_bucket_tagging(ctx.caller, ctx.target.bucket,
                                                           std::move(*tags));
  if (!s.is_ok()) co_return error_response(ctx, s, Subject::kBucket);
  co_return empty_response(204);
}

Task<Response> S3Api::Impl::delete_bucket_tagging(S3Context& ctx) {
  Status s = co_await objects.buckets().delete_bucket_tagging(ctx.caller, ctx.target.bucket);
  if (!s.is_ok()) co_return error_response(ctx, s, Subject::kBucket);
  co_return empty_response(204);
}

Task<Response> S3Api::Impl::get_bucket_cors(S3Context& ctx) {
  auto rules = co_await objects.buckets().get_bucket_cors(ctx.caller, ctx.target.bucket);
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

Task<Response> S3Api::Impl::put_bucket_cors(S3Context& ctx) {
  auto xml = co_await read_xml(ctx);
  if (!xml.is_ok()) co_return error_response(ctx, xml.status(), Subject::kBucket);
  auto rules = parse_cors(*xml);
  if (!rules.is_ok()) co_return error_response(ctx, rules.status(), Subject::kBucket);
  Status s =
      co_await objects.buckets().put_bucket_cors(ctx.caller, ctx.target.bucket, std::move(*rules));
  if (!s.is_ok()) co_return error_response(ctx, s, Subject::kBucket);
  co_return empty_response(200);
}

Task<Response> S3Api::Impl::delete_bucket_cors(S3Context& ctx) {
  Status s = co_await objects.buckets().delete_bucket_cors(ctx.caller, ctx.target.bucket);
  if (!s.is_ok()) co_return error_response(ctx, s, Subject::kBucket);
  co_return empty_response(204);
}

Task<Response> S3Api::Impl::list_objects(S3Context& ctx) {
  const S3Target& t = ctx.target;
  const bool v2 = t.get("list-type") == "2";
  auto max_keys = bounded_param(t, "max-keys", 1000);
  if (!max_keys.is_ok()) co_return error_response(ctx, max_keys.status(), Subject::kBucket);
  auto enc = url_encoding(t);
  if (!enc.is_ok()) co_return error_response(ctx, enc.status(), Subject::kBucket);
  services::ListObjectsOptions o;
  o.prefix = std::string(t.get("prefix").value_or(""));
  o.delimiter = std::string(t.get("delimiter").value_or(""));
  o.max_keys = *max_keys;
  if (v2) {
    o.start_after = std::string(t.get("start-after").value_or(""));
    o.continuation_token = std::string(t.get("continuation-token").value_or(""));
  } else {
    o.start_after = std::string(t.get("marker").value_or(""));
  }
  auto r = co_await objects.reads().list_objects(ctx.caller, t.bucket, o);
  if (!r.is_ok()) co_return error_response(ctx, r.status(), Subject::kBucket);
  auto e = [&](std::string_view s) { return *enc ? auth::uri_encode(s, false) : std::string(s); };
  bool fetch_owner = !v2 || t.get("fetch-owner") == "true";
  XmlWriter w("ListBucketResult");
  w.elem("Name", t.bucket).elem("Prefix", e(o.prefix));
  if (v2) {
    if (t.has("continuation-token")) w.elem("ContinuationToken", o.continuation_token);
    if (t.has("start-after")) w.elem("StartAfter", e(o.start_after));
    w.elem("KeyCount", static_cast<uint64_t>(r->objects.size() + r->common_prefixes.size()));
  } else {
    w.elem("Marker", e(o.start_after));
  }
  w.elem("MaxKeys", static_cast<uint64_t>(o.max_keys));
  if (!o.delimiter.empty()) w.elem("Delimiter", e(o.delimiter));
  if (*enc) w.elem("EncodingType", "url");
  w.elem_bool("IsTruncated", r->is_truncated);
  if (r->is_truncated) {
    if (v2) {
      w.elem("NextContinuationToken", r->next_continuation_token);
    } else {
      w.elem("NextMarker", e(r->next_marker));
    }
  }
  for (const auto& obj : r->objects) {
    w.open("Contents")
        .elem("Key", e(obj.key))
        .elem("LastModified", format_iso8601(obj.last_modified));
    w.elem("ETag", quote_etag(obj.etag))
        .elem("Size", obj.size)
        .elem("StorageClass", obj.storage_class);
    if (fetch_owner) owner(w, obj.owner);
    w.close("Contents");
  }
  for (const auto& p : r->common_prefixes)
    w.open("CommonPrefixes").elem("Prefix", e(p)).close("CommonPrefixes");
  co_return xml_response(200, w.finish());
}

Task<Response> S3Api::Impl::list_object_versions(S3Context& ctx) {
  const S3Target& t = ctx.target;
  auto max_keys = bounded_param(t, "max-keys", 1000);
  if (!max_keys.is_ok()) co_return error_response(ctx, max_keys.status(), Subject::kBucket);
  auto enc = url_encoding(t);
  if (!enc.is_ok()) co_return error_response(ctx, enc.status(), Subject::kBucket);
  services::ListVersionsOptions o;
  o.prefix = std::string(t.get("prefix").value_or(""));
  o.delimiter = std::string(t.get("delimiter").value_or(""));
  o.key_marker = std::string(t.get("key-marker").value_or(""));
  o.version_id_marker = std::string(t.get("version-id-marker").value_or(""));
  o.max_keys = *max_keys;
  auto r = co_await objects.versions().list_object_versions(ctx.caller, t.bucket, o);
  if (!r.is_ok()) co_return error_response(ctx, r.status(), Subject::kBucket);
  auto e = [&](std::string_view s) { return *enc ? auth::uri_encode(s, false) : std::string(s); };
  XmlWriter w("ListVersionsResult");
  w.elem("Name", t.bucket).elem("Prefix", e(o.prefix)).elem("KeyMarker", e(o.key_marker));
  w.elem("VersionIdMarker", o.version_id_marker).elem("MaxKeys", static_cast<uint64_t>(o.max_keys));
  if (!o.delimiter.empty()) w.elem("Delimiter", e(o.delimiter));
  if (*enc) w.elem("EncodingType", "url");
  w.elem_bool("IsTruncated", r->is_truncated);
  if (r->is_truncated) {
    w.elem("NextKeyMarker", e(r->next_key_marker))
        .elem("NextVersionIdMarker", r->next_version_id_marker);
  }
  for (const auto& v : r->versions) {
    const char* tag = v.delete_marker ? "DeleteMarker" : "Version";
    w.open(tag)
        .elem("Key", e(v.key))
        .elem("VersionId", v.version_id)
        .elem_bool("IsLatest", v.is_latest);
    w.elem("LastModified", format_iso8601(v.last_modified));
    if (!v.delete_marker) {
      w.elem("ETag", quote_etag(v.etag)).elem("Size", v.size).elem("StorageClass", v.storage_class);
    }
    owner(w, v.owner);
    w.close(tag);
  }
  for (const auto& p : r->common_prefixes)
    w.open("CommonPrefixes").elem("Prefix", e(p)).close("CommonPrefixes");
  co_return xml_response(200, w.finish());
}

Task<Response> S3Api::Impl::delete_objects(S3Context& ctx) {
  auto xml = co_await read_xml(ctx);
  if (!xml.is_ok()) co_return error_response(ctx, xml.status(), Subject::kBucket);
  auto req = parse_delete(*xml);
  if (!req.is_ok()) co_return error_response(ctx, req.status(), Subject::kBucket);
  XmlWriter w("DeleteResult");
  for (const auto& obj : req->objects) {
    services::DeleteOptions d;
    d.version_id = obj.version_id;
    if (obj.etag) d.if_match = {*obj.etag};
    d.if_match_last_modified = obj.last_modified;
    d.if_match_size = obj.size;
    // Each key is authorized on its own (a policy may cover some prefixes).
    auto permitted =
        co_await allowed(ctx, obj.version_id ? "s3:DeleteObjectVersion" : "s3:DeleteObject",
                         ctx.target.bucket, obj.key, obj.version_id);
    Result<services::DeleteResult> r = s3_status(S3Error::kAccessDenied, "Access Denied");
    if (!permitted.is_ok()) {
      r = permitted.status();
    } else if (*permitted) {
      r = co_await objects.writes().delete_object(ctx.caller, ctx.target.bucket, obj.key, d);
    }
    if (!r.is_ok()) {
      if (r.status().code() == StatusCode::kBucketNotFound) {
        co_return error_response(ctx, r.status(), Subject::kBucket);
      }
      S3ErrorInfo e = to_s3_error(r.status(), Subject::kObject);
      w.open("Error").elem("Key", obj.key);
      if (obj.version_id) w.elem("VersionId", *obj.version_id);
      w.elem("Code", e.code).elem("Message", e.message).close("Error");
      continue;
    }
    if (req->quiet) continue;
    w.open("Deleted").elem("Key", obj.key);
    if (obj.version_id) w.elem("VersionId", *obj.version_id);
    if (r->delete_marker) {
      w.elem_bool("DeleteMarker", true);
      if (!obj.version_id) w.elem("DeleteMarkerVersionId", r->version_id);
    }
    w.close("Deleted");
  }
  co_return xml_response(200, w.finish());
}

}  // namespace skyarray::s3
