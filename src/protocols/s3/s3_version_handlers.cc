// S3VersionHandlers: ListObjectVersions.
#include "protocols/s3/s3_version_handlers.h"

#include "common/encoding.h"
#include "protocols/s3/s3_request_io.h"
#include "protocols/s3/s3_xml.h"

namespace skyarray::s3 {

Task<Response> S3VersionHandlers::list_object_versions(S3Context& ctx) {
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
  auto r = co_await versions_.list_object_versions(ctx.caller, t.bucket, o);
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
    owner_xml(w, v.owner);
    w.close(tag);
  }
  for (const auto& p : r->common_prefixes)
    w.open("CommonPrefixes").elem("Prefix", e(p)).close("CommonPrefixes");
  co_return xml_response(200, w.finish());
}

}  // namespace skyarray::s3
