// S3ObjectReadHandlers: Get/Head, ListObjects(V2), tagging, attributes.
#include "protocols/s3/s3_object_read_handlers.h"

#include "common/ascii.h"
#include "common/encoding.h"
#include "protocols/s3/s3_body.h"
#include "protocols/s3/s3_request_io.h"
#include "protocols/s3/s3_sse.h"
#include "protocols/s3/s3_xml.h"

namespace skyarray::s3 {

Task<Response> S3ObjectReadHandlers::get_object(S3Context& ctx) {
  return get_or_head_object(ctx, false);
}

Task<Response> S3ObjectReadHandlers::head_object(S3Context& ctx) {
  return get_or_head_object(ctx, true);
}

namespace {

// The GetOptions of a GET/HEAD: version, part or range, conditions.
Result<services::GetOptions> get_options(const S3Context& ctx, const S3ApiOptions& options,
                                         bool head) {
  const S3Target& t = ctx.target;
  services::GetOptions g;
  g.metadata_only = head;
  if (auto v = t.get("versionId")) g.version_id = std::string(*v);
  if (auto pn = t.get("partNumber")) {
    auto n = parse_count(*pn, "partNumber");
    if (!n.is_ok() || *n < 1 || *n > services::kMaxParts) {
      return s3_status(S3Error::kInvalidArgument,
                       "part number must be an integer between 1 and 10000");
    }
    g.part_number = static_cast<uint32_t>(*n);
  }
  if (auto range = ctx.header("range")) {
    if (g.part_number) {
      return s3_status(S3Error::kInvalidRequest, "cannot specify both Range header and partNumber");
    }
    g.range = parse_range(*range);
  }
  read_conditions(ctx, "", &g.conditions);
  SKY_ASSIGN_OR_RETURN(g.customer_key, read_customer_key(ctx, options, kCustomerKeyHeaders));
  return g;
}

// response-content-type and its kind: the headers a presigned GET asks for.
void apply_response_overrides(const S3Target& t, Response& r) {
  static constexpr std::pair<const char*, const char*> kOverrides[] = {
      {"response-content-type", "Content-Type"},
      {"response-content-language", "Content-Language"},
      {"response-expires", "Expires"},
      {"response-cache-control", "Cache-Control"},
      {"response-content-disposition", "Content-Disposition"},
      {"response-content-encoding", "Content-Encoding"}};
  for (const auto& override : kOverrides) {
    auto v = t.get(override.first);
    if (!v) continue;
    const std::string_view header = override.second;
    std::erase_if(r.headers, [&](const auto& h) { return iequals(h.first, header); });
    r.set(std::string(header), std::string(*v));
  }
}

}  // namespace

Task<Response> S3ObjectReadHandlers::get_or_head_object(S3Context& ctx, bool head) {
  const S3Target& t = ctx.target;
  Result<services::GetOptions> options = get_options(ctx, io_.options(), head);
  if (!options.is_ok()) co_return error_response(ctx, options.status(), Subject::kObject);
  const services::GetOptions& g = *options;
  auto reader = co_await reads_.get_object(ctx.caller, t.bucket, t.key, g);
  if (!reader.is_ok()) co_return co_await get_failure(ctx, g, reader.status());
  const services::ObjectInfo& info = (*reader)->info();
  uint64_t first = (*reader)->range_first(), length = (*reader)->range_length();
  bool partial = g.range.has_value() || g.part_number.has_value();
  Response r;
  r.status = partial ? 206 : 200;
  io_.object_headers(ctx, info, r);
  r.set("Accept-Ranges", "bytes");
  if (partial) {
    uint64_t last = length == 0 ? first : first + length - 1;
    r.set("Content-Range", "bytes " + std::to_string(first) + "-" + std::to_string(last) + "/" +
                               std::to_string(info.size));
  }
  if (g.part_number && !info.parts.empty())
    r.set("x-amz-mp-parts-count", std::to_string(info.parts.size()));
  apply_response_overrides(t, r);
  r.content_length = length;
  if (!head && length > 0) {
    std::string what = t.bucket + "/" + t.key;
    if (!info.version_id.empty()) what += " version " + info.version_id;
    r.source = std::make_unique<ReaderSource>(std::move(*reader), std::move(what));
    // The server reads the first piece before sending the head; if that
    // fails, the client gets this S3 error instead of an empty reply.
    r.on_source_error = [&http = ctx.http, resource = ctx.resource()](const Status& s) {
      return error_response(http, resource, s, Subject::kObject);
    };
  } else {
    r.set("Content-Length", std::to_string(length));
  }
  co_return r;
}

Task<Response> S3ObjectReadHandlers::get_failure(S3Context& ctx, const services::GetOptions& g,
                                                 const Status& failure) {
  const S3Target& t = ctx.target;
  Status s = failure;
  if (s.code() == StatusCode::kOutOfRange && g.part_number) {
    s = s3_status(S3Error::kInvalidPartNumber, "the requested partnumber is not satisfiable");
  }
  Response r = error_response(ctx, s, Subject::kObject);
  if (s.code() == StatusCode::kNotModified) {
    // RFC 9110 15.4.5: a 304 carries the validators and caching headers a
    // 200 would have, so caches can refresh their copy.
    services::GetOptions plain;
    plain.version_id = g.version_id;
    auto info = co_await reads_.head_object(ctx.caller, t.bucket, t.key, plain);
    if (info.is_ok()) {
      r.set("ETag", quote_etag(info->etag));
      r.set("Last-Modified", format_http_date(info->last_modified));
      if (!info->content.cache_control.empty()) r.set("Cache-Control", info->content.cache_control);
      if (!info->content.expires.empty()) r.set("Expires", info->content.expires);
      if (!info->version_id.empty() && info->version_id != "null")
        r.set("x-amz-version-id", info->version_id);
    }
  } else if (s.code() == StatusCode::kNotFound || s.code() == StatusCode::kMethodNotAllowed) {
    // A read that runs into a delete marker says so (404 for the latest
    // version, 405 when named by version id, with its Last-Modified).
    auto marker = co_await versions_.delete_marker(ctx.caller, t.bucket, t.key, g.version_id);
    if (marker.is_ok() && *marker) {
      r.set("x-amz-delete-marker", "true");
      r.set("x-amz-version-id", (*marker)->version_id);
      if (g.version_id) r.set("Last-Modified", format_http_date((*marker)->last_modified));
    }
  }
  co_return r;
}

Task<Response> S3ObjectReadHandlers::list_objects(S3Context& ctx) {
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
  auto r = co_await reads_.list_objects(ctx.caller, t.bucket, o);
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
    if (fetch_owner) owner_xml(w, obj.owner);
    w.close("Contents");
  }
  for (const auto& p : r->common_prefixes)
    w.open("CommonPrefixes").elem("Prefix", e(p)).close("CommonPrefixes");
  co_return xml_response(200, w.finish());
}

Task<Response> S3ObjectReadHandlers::get_object_tagging(S3Context& ctx) {
  std::optional<std::string> vid;
  if (auto v = ctx.target.get("versionId")) vid = std::string(*v);
  auto tags =
      co_await reads_.get_object_tagging(ctx.caller, ctx.target.bucket, ctx.target.key, vid);
  if (!tags.is_ok()) co_return error_response(ctx, tags.status(), Subject::kObject);
  XmlWriter w("Tagging");
  w.open("TagSet");
  for (const auto& [k, v] : *tags) w.open("Tag").elem("Key", k).elem("Value", v).close("Tag");
  w.close("TagSet");
  Response r = xml_response(200, w.finish());
  if (vid) r.set("x-amz-version-id", *vid);
  co_return r;
}

namespace {

// GetObjectAttributes' ObjectParts: a page of `max_parts` parts after `marker`.
void object_parts_xml(XmlWriter& w, const std::vector<services::ObjectPart>& parts, uint64_t marker,
                      uint64_t max_parts) {
  std::vector<const services::ObjectPart*> page;
  bool truncated = false;
  for (const auto& p : parts) {
    if (p.number <= marker) continue;
    if (page.size() == max_parts) {
      truncated = true;
      break;
    }
    page.push_back(&p);
  }
  uint64_t next = page.empty() ? marker : page.back()->number;
  w.open("ObjectParts").elem("PartsCount", static_cast<uint64_t>(parts.size()));
  w.elem("PartNumberMarker", marker).elem("NextPartNumberMarker", next);
  w.elem("MaxParts", max_parts).elem_bool("IsTruncated", truncated);
  for (const auto* p : page) {
    w.open("Part").elem("PartNumber", static_cast<uint64_t>(p->number)).elem("Size", p->size);
    checksum_xml(w, p->checksum);
    w.close("Part");
  }
  w.close("ObjectParts");
}

}  // namespace

Task<Response> S3ObjectReadHandlers::get_object_attributes(S3Context& ctx) {
  auto attrs_h = ctx.header("x-amz-object-attributes");
  if (!attrs_h) {
    co_return error_response(
        ctx, s3_status(S3Error::kInvalidArgument, "x-amz-object-attributes header is required"),
        Subject::kObject);
  }
  std::string attrs(*attrs_h);
  auto want = [&](std::string_view a) { return attrs.find(a) != std::string::npos; };
  // ObjectParts paging: x-amz-max-parts (default and cap 1000) parts after
  // x-amz-part-number-marker.
  uint64_t max_parts = 1000, marker = 0;
  if (auto v = ctx.header("x-amz-max-parts")) {
    auto n = parse_count(*v, "x-amz-max-parts");
    if (!n.is_ok()) co_return error_response(ctx, n.status(), Subject::kObject);
    max_parts = std::min<uint64_t>(*n, 1000);
  }
  if (auto v = ctx.header("x-amz-part-number-marker")) {
    auto n = parse_count(*v, "x-amz-part-number-marker");
    if (!n.is_ok()) co_return error_response(ctx, n.status(), Subject::kObject);
    marker = *n;
  }
  services::GetOptions g;
  if (auto v = ctx.target.get("versionId")) g.version_id = std::string(*v);
  auto info = co_await reads_.head_object(ctx.caller, ctx.target.bucket, ctx.target.key, g);
  if (!info.is_ok()) co_return error_response(ctx, info.status(), Subject::kObject);
  XmlWriter w("GetObjectAttributesResponse");
  if (want("ETag")) w.elem("ETag", info->etag);
  if (want("Checksum") && info->checksum) {
    w.open("Checksum");
    checksum_xml(w, info->checksum);
    w.elem("ChecksumType", info->checksum->composite ? "COMPOSITE" : "FULL_OBJECT");
    w.close("Checksum");
  }
  if (want("ObjectParts") && !info->parts.empty())
    object_parts_xml(w, info->parts, marker, max_parts);
  if (want("StorageClass")) w.elem("StorageClass", info->storage_class);
  if (want("ObjectSize")) w.elem("ObjectSize", info->size);
  Response r = xml_response(200, w.finish());
  r.set("Last-Modified", format_http_date(info->last_modified));
  if (!info->version_id.empty() && info->version_id != "null")
    r.set("x-amz-version-id", info->version_id);
  co_return r;
}

}  // namespace skyarray::s3
