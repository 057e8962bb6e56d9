// S3ObjectWriteHandlers: Put (and append), Delete(Objects), Copy, tagging.
#include "protocols/s3/s3_object_write_handlers.h"

#include "common/encoding.h"
#include "protocols/s3/s3_authorizer.h"
#include "protocols/s3/s3_body.h"
#include "protocols/s3/s3_object_lock_handlers.h"
#include "protocols/s3/s3_request_io.h"
#include "protocols/s3/s3_sse.h"
#include "protocols/s3/s3_xml.h"

namespace skyarray::s3 {

Task<Response> S3ObjectWriteHandlers::put_object(S3Context& ctx) {
  auto opts = io_.put_options(ctx, false);
  if (!opts.is_ok()) co_return error_response(ctx, opts.status(), Subject::kObject);
  if (auto off = ctx.header("x-amz-write-offset-bytes")) {
    auto n = parse_count(*off, "x-amz-write-offset-bytes");
    if (!n.is_ok()) co_return error_response(ctx, n.status(), Subject::kObject);
    opts->append_position = *n;
  }
  auto body = io_.open_body(ctx);
  if (!body.is_ok()) co_return error_response(ctx, body.status(), Subject::kObject);
  opts->expected_size = (*body)->expected_size();
  auto writer =
      co_await writes_.put_object(ctx.caller, ctx.target.bucket, ctx.target.key, std::move(*opts));
  if (!writer.is_ok()) co_return error_response(ctx, writer.status(), Subject::kObject);
  auto info = co_await io_.stream_into(**body, **writer);
  if (!info.is_ok()) co_return error_response(ctx, info.status(), Subject::kObject);
  Response r = empty_response(200);
  r.set("ETag", quote_etag(info->etag));
  if (!info->version_id.empty() && info->version_id != "null")
    r.set("x-amz-version-id", info->version_id);
  if (info->checksum) {
    r.set(checksum_header_name(info->checksum->algorithm), checksum_wire_value(*info->checksum));
    r.set("x-amz-checksum-type", info->checksum->composite ? "COMPOSITE" : "FULL_OBJECT");
  }
  if (info->appendable) r.set("x-oss-next-append-position", std::to_string(info->size));
  set_sse_headers(ctx, info->sse, r);
  co_return r;
}

Task<Response> S3ObjectWriteHandlers::append_object(S3Context& ctx) {
  auto pos = ctx.target.get("position");
  if (!pos) {
    co_return error_response(ctx, s3_status(S3Error::kInvalidArgument, "append needs ?position=N"),
                             Subject::kObject);
  }
  auto n = parse_count(*pos, "position");
  if (!n.is_ok()) co_return error_response(ctx, n.status(), Subject::kObject);
  auto opts = io_.put_options(ctx, false);
  if (!opts.is_ok()) co_return error_response(ctx, opts.status(), Subject::kObject);
  opts->append_position = *n;
  auto body = io_.open_body(ctx);
  if (!body.is_ok()) co_return error_response(ctx, body.status(), Subject::kObject);
  opts->expected_size = (*body)->expected_size();
  Result<services::ObjectInfo> info = Status::internal("unset");
  auto writer =
      co_await writes_.put_object(ctx.caller, ctx.target.bucket, ctx.target.key, std::move(*opts));
  if (!writer.is_ok()) {
    info = writer.status();
  } else {
    info = co_await io_.stream_into(**body, **writer);
  }
  if (!info.is_ok()) {
    Response r = error_response(ctx, info.status(), Subject::kObject);
    if (info.status().code() == StatusCode::kPositionMismatch) {
      // Named, not `{}` (GCC 12 destroys such temporaries of a co_await twice).
      const services::GetOptions latest;
      auto cur = co_await reads_.head_object(ctx.caller, ctx.target.bucket, ctx.target.key, latest);
      if (cur.is_ok()) r.set("x-oss-next-append-position", std::to_string(cur->size));
    }
    co_return r;
  }
  Response r = empty_response(200);
  r.set("ETag", quote_etag(info->etag));
  r.set("x-oss-next-append-position", std::to_string(info->size));
  if (info->checksum) {
    r.set(checksum_header_name(info->checksum->algorithm), checksum_wire_value(*info->checksum));
  }
  co_return r;
}

Task<Response> S3ObjectWriteHandlers::delete_object(S3Context& ctx) {
  services::DeleteOptions d;
  if (auto v = ctx.target.get("versionId")) d.version_id = std::string(*v);
  if (auto v = ctx.header("if-match")) d.if_match = parse_etag_list(*v);
  if (auto v = ctx.header("x-amz-if-match-last-modified-time")) {
    d.if_match_last_modified = parse_http_date(*v);
    if (!d.if_match_last_modified) d.if_match_last_modified = parse_iso8601(*v);
    if (!d.if_match_last_modified) {
      co_return error_response(ctx,
                               s3_status(S3Error::kInvalidArgument,
                                         "x-amz-if-match-last-modified-time must be an HTTP date"),
                               Subject::kObject);
    }
  }
  if (auto v = ctx.header("x-amz-if-match-size")) {
    auto n = parse_count(*v, "x-amz-if-match-size");
    if (!n.is_ok()) co_return error_response(ctx, n.status(), Subject::kObject);
    d.if_match_size = *n;
  }
  auto bypass =
      co_await governance_bypass(auth_, ctx, ctx.target.bucket, ctx.target.key, d.version_id);
  if (!bypass.is_ok()) co_return error_response(ctx, bypass.status(), Subject::kObject);
  d.bypass_governance = *bypass;
  auto r = co_await writes_.delete_object(ctx.caller, ctx.target.bucket, ctx.target.key, d);
  if (!r.is_ok()) co_return error_response(ctx, r.status(), Subject::kObject);
  Response resp = empty_response(204);
  if (!r->version_id.empty() && r->version_id != "null")
    resp.set("x-amz-version-id", r->version_id);
  if (r->delete_marker) resp.set("x-amz-delete-marker", "true");
  co_return resp;
}

Task<Response> S3ObjectWriteHandlers::delete_objects(S3Context& ctx) {
  auto xml = co_await io_.read_xml(ctx);
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
        co_await auth_.allowed(ctx, obj.version_id ? "s3:DeleteObjectVersion" : "s3:DeleteObject",
                               ctx.target.bucket, obj.key, obj.version_id);
    Result<services::DeleteResult> r = s3_status(S3Error::kAccessDenied, "Access Denied");
    if (!permitted.is_ok()) {
      r = permitted.status();
    } else if (*permitted) {
      auto bypass =
          co_await governance_bypass(auth_, ctx, ctx.target.bucket, obj.key, obj.version_id);
      if (!bypass.is_ok()) {
        r = bypass.status();
      } else {
        d.bypass_governance = *bypass;
        r = co_await writes_.delete_object(ctx.caller, ctx.target.bucket, obj.key, d);
      }
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

Task<Response> S3ObjectWriteHandlers::copy_object(S3Context& ctx) {
  auto src = parse_copy_source(*ctx.header("x-amz-copy-source"));
  if (!src.is_ok()) co_return error_response(ctx, src.status(), Subject::kObject);
  services::CopyOptions c;
  c.source_version_id = src->version_id;
  read_conditions(ctx, "x-amz-copy-source-", &c.source_conditions);
  auto directive = [&](const char* h, services::MetadataDirective* out) -> Status {
    auto v = ctx.header(h);
    if (!v || *v == "COPY") return Status::ok();
    if (*v == "REPLACE") {
      *out = services::MetadataDirective::kReplace;
      return Status::ok();
    }
    return s3_status(S3Error::kInvalidArgument,
                     std::string("unknown ") + h + " '" + std::string(*v) + "'");
  };
  Status ds = directive("x-amz-metadata-directive", &c.metadata_directive);
  if (ds.is_ok()) ds = directive("x-amz-tagging-directive", &c.tagging_directive);
  if (!ds.is_ok()) co_return error_response(ctx, ds, Subject::kObject);
  auto opts = io_.put_options(ctx, false);
  if (!opts.is_ok()) co_return error_response(ctx, opts.status(), Subject::kObject);
  c.if_match = opts->if_match;
  c.if_none_match = opts->if_none_match;
  c.replace = std::move(*opts);
  auto source_key = read_customer_key(ctx, io_.options(), kCopySourceCustomerKeyHeaders);
  if (!source_key.is_ok()) co_return error_response(ctx, source_key.status(), Subject::kObject);
  c.source_customer_key = std::move(*source_key);
  if (src->bucket == ctx.target.bucket && src->key == ctx.target.key && !src->version_id &&
      c.metadata_directive == services::MetadataDirective::kCopy &&
      !ctx.header("x-amz-storage-class") && c.replace.sse.mode == services::SseMode::kNone) {
    co_return error_response(
        ctx,
        s3_status(S3Error::kInvalidRequest,
                  "this copy request is illegal because it is trying to copy an "
                  "object "
                  "to itself without changing the object's metadata, storage class, "
                  "website redirect location or encryption attributes"),
        Subject::kObject);
  }
  auto info = co_await writes_.copy_object(ctx.caller, src->bucket, src->key, ctx.target.bucket,
                                           ctx.target.key, std::move(c));
  if (!info.is_ok()) co_return error_response(ctx, info.status(), Subject::kObject);
  XmlWriter w("CopyObjectResult");
  w.elem("LastModified", format_iso8601(info->last_modified)).elem("ETag", quote_etag(info->etag));
  checksum_xml(w, info->checksum);
  Response r = xml_response(200, w.finish());
  if (!info->version_id.empty() && info->version_id != "null")
    r.set("x-amz-version-id", info->version_id);
  if (src->version_id) r.set("x-amz-copy-source-version-id", *src->version_id);
  set_sse_headers(ctx, info->sse, r);
  co_return r;
}

Task<Response> S3ObjectWriteHandlers::put_object_tagging(S3Context& ctx) {
  auto xml = co_await io_.read_xml(ctx);
  if (!xml.is_ok()) co_return error_response(ctx, xml.status(), Subject::kObject);
  auto tags = parse_tagging(*xml, services::kMaxTags);
  if (!tags.is_ok()) co_return error_response(ctx, tags.status(), Subject::kObject);
  std::optional<std::string> vid;
  if (auto v = ctx.target.get("versionId")) vid = std::string(*v);
  auto r = co_await writes_.put_object_tagging(ctx.caller, ctx.target.bucket, ctx.target.key,
                                               std::move(*tags), vid);
  if (!r.is_ok()) co_return error_response(ctx, r.status(), Subject::kObject);
  Response resp = empty_response(200);
  if (!r->empty() && *r != "null") resp.set("x-amz-version-id", *r);
  co_return resp;
}

Task<Response> S3ObjectWriteHandlers::delete_object_tagging(S3Context& ctx) {
  std::optional<std::string> vid;
  if (auto v = ctx.target.get("versionId")) vid = std::string(*v);
  auto r =
      co_await writes_.delete_object_tagging(ctx.caller, ctx.target.bucket, ctx.target.key, vid);
  if (!r.is_ok()) co_return error_response(ctx, r.status(), Subject::kObject);
  Response resp = empty_response(204);
  if (!r->empty() && *r != "null") resp.set("x-amz-version-id", *r);
  co_return resp;
}

}  // namespace skyarray::s3
