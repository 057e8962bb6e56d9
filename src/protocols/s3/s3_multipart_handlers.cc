// S3MultipartHandlers: the multipart upload operations.
#include "protocols/s3/s3_multipart_handlers.h"

#include <charconv>
#include "common/encoding.h"
#include "protocols/s3/s3_body.h"
#include "protocols/s3/s3_request_io.h"
#include "protocols/s3/s3_sse.h"
#include "protocols/s3/s3_xml.h"

namespace skyarray::s3 {

namespace {

Result<uint32_t> part_number(const S3Target& t) {
  auto v = t.get("partNumber");
  uint32_t n = 0;
  if (v) {
    auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
    if (!v->empty() && ec == std::errc() && p == v->data() + v->size() && n >= 1 &&
        n <= services::kMaxParts) {
      return n;
    }
  }
  return s3_status(S3Error::kInvalidArgument,
                   "part number must be an integer between 1 and 10000, inclusive");
}

const char* checksum_type_name(services::ChecksumType t) {
  return t == services::ChecksumType::kFullObject ? "FULL_OBJECT" : "COMPOSITE";
}

// x-amz-checksum-type: absent → nullopt; anything but the two names is
// InvalidRequest.
Result<std::optional<services::ChecksumType>> checksum_type_header(const S3Context& ctx) {
  auto v = ctx.header("x-amz-checksum-type");
  if (!v) return std::optional<services::ChecksumType>();
  if (*v == "FULL_OBJECT") return std::optional(services::ChecksumType::kFullObject);
  if (*v == "COMPOSITE") return std::optional(services::ChecksumType::kComposite);
  return s3_status(S3Error::kInvalidRequest,
                   "value for x-amz-checksum-type header is invalid: " + std::string(*v));
}

}  // namespace

Task<Response> S3MultipartHandlers::create_multipart_upload(S3Context& ctx) {
  auto opts = io_.put_options(ctx, false);
  if (!opts.is_ok()) co_return error_response(ctx, opts.status(), Subject::kObject);
  auto type = checksum_type_header(ctx);
  if (!type.is_ok()) co_return error_response(ctx, type.status(), Subject::kObject);
  opts->checksum_type = *type;
  auto up = co_await uploads_.create_multipart_upload(ctx.caller, ctx.target.bucket, ctx.target.key,
                                                      std::move(*opts));
  if (!up.is_ok()) {
    Status s = up.status();
    // An algorithm/type combination S3 refuses (FULL_OBJECT with SHA...).
    if (s.code() == StatusCode::kInvalidArgument &&
        (*type || ctx.header("x-amz-checksum-algorithm")))
      s = s3_status(S3Error::kInvalidRequest, s.message());
    co_return error_response(ctx, s, Subject::kObject);
  }
  XmlWriter w("InitiateMultipartUploadResult");
  w.elem("Bucket", ctx.target.bucket).elem("Key", ctx.target.key).elem("UploadId", up->upload_id);
  Response r = xml_response(200, w.finish());
  if (up->checksum_algorithm) {
    r.set("x-amz-checksum-algorithm",
          std::string(checksum_algorithm_name(*up->checksum_algorithm)));
    r.set("x-amz-checksum-type", checksum_type_name(up->checksum_type));
  }
  set_sse_headers(ctx, up->sse, r);
  co_return r;
}

Task<Response> S3MultipartHandlers::upload_part(S3Context& ctx) {
  auto n = part_number(ctx.target);
  if (!n.is_ok()) co_return error_response(ctx, n.status(), Subject::kUpload);
  auto opts = io_.put_options(ctx, true);
  if (!opts.is_ok()) co_return error_response(ctx, opts.status(), Subject::kUpload);
  auto body = io_.open_body(ctx);
  if (!body.is_ok()) co_return error_response(ctx, body.status(), Subject::kUpload);
  opts->expected_size = (*body)->expected_size();
  std::string upload_id(*ctx.target.get("uploadId"));
  auto writer = co_await uploads_.upload_part(ctx.caller, ctx.target.bucket, ctx.target.key,
                                              upload_id, *n, std::move(*opts));
  if (!writer.is_ok()) co_return error_response(ctx, writer.status(), Subject::kUpload);
  auto info = co_await io_.stream_into(**body, **writer);
  if (!info.is_ok()) co_return error_response(ctx, info.status(), Subject::kUpload);
  Response r = empty_response(200);
  r.set("ETag", quote_etag(info->etag));
  if (info->checksum) {
    r.set(checksum_header_name(info->checksum->algorithm), checksum_wire_value(*info->checksum));
  }
  co_return r;
}

Task<Response> S3MultipartHandlers::upload_part_copy(S3Context& ctx) {
  auto n = part_number(ctx.target);
  if (!n.is_ok()) co_return error_response(ctx, n.status(), Subject::kUpload);
  auto src = parse_copy_source(*ctx.header("x-amz-copy-source"));
  if (!src.is_ok()) co_return error_response(ctx, src.status(), Subject::kUpload);
  services::CopyOptions c;
  c.source_version_id = src->version_id;
  if (auto v = ctx.header("x-amz-copy-source-if-match"))
    c.source_conditions.if_match = parse_etag_list(*v);
  if (auto v = ctx.header("x-amz-copy-source-if-none-match")) {
    c.source_conditions.if_none_match = parse_etag_list(*v);
  }
  if (auto v = ctx.header("x-amz-copy-source-if-modified-since")) {
    c.source_conditions.if_modified_since = parse_http_date(*v);
  }
  if (auto v = ctx.header("x-amz-copy-source-if-unmodified-since")) {
    c.source_conditions.if_unmodified_since = parse_http_date(*v);
  }
  std::optional<services::ByteRange> range;
  if (auto v = ctx.header("x-amz-copy-source-range")) {
    range = parse_range(*v);
    if (!range || !range->first || !range->last) {
      co_return error_response(ctx,
                               s3_status(S3Error::kInvalidArgument,
                                         "the x-amz-copy-source-range value must be of the form "
                                         "bytes=first-last"),
                               Subject::kUpload);
    }
  }
  std::string upload_id(*ctx.target.get("uploadId"));
  auto part =
      co_await uploads_.upload_part_copy(ctx.caller, ctx.target.bucket, ctx.target.key, upload_id,
                                         *n, src->bucket, src->key, std::move(c), range);
  if (!part.is_ok()) co_return error_response(ctx, part.status(), Subject::kUpload);
  XmlWriter w("CopyPartResult");
  w.elem("LastModified", format_iso8601(std::chrono::system_clock::now()))
      .elem("ETag", quote_etag(part->etag));
  checksum_xml(w, part->checksum);
  co_return xml_response(200, w.finish());
}

namespace {

// The parts CompleteMultipartUpload lists, with their checksums decoded.
Result<std::vector<services::CompletedPart>> completed_parts(std::vector<XmlCompletedPart>& parts) {
  std::vector<services::CompletedPart> list;
  list.reserve(parts.size());
  for (auto& p : parts) {
    services::CompletedPart cp;
    cp.number = p.number;
    cp.etag = std::move(p.etag);
    if (p.checksums.size() == 1) {
      auto raw = base64_decode(p.checksums.begin()->second);
      if (!raw.is_ok()) {
        return s3_status(S3Error::kInvalidPart, "a part checksum is not valid base64");
      }
      cp.checksum = std::move(*raw);
    }
    list.push_back(std::move(cp));
  }
  return list;
}

// Write conditions and the whole object's checksum as the client computed
// it: FULL_OBJECT "<base64>", COMPOSITE "<base64>-<parts>".
Result<services::CompleteOptions> complete_options(const S3Context& ctx, size_t parts) {
  services::CompleteOptions co;
  if (auto v = ctx.header("if-match")) co.if_match = parse_etag_list(*v);
  if (auto v = ctx.header("if-none-match")) co.if_none_match = parse_etag_list(*v);
  SKY_ASSIGN_OR_RETURN(co.checksum_type, checksum_type_header(ctx));
  for (const auto& [name, value] : ctx.http.headers()) {
    auto alg = checksum_from_header_name(name);
    if (!alg) continue;
    std::string_view v = value;
    if (auto dash = v.rfind('-'); dash != std::string_view::npos) {
      if (v.substr(dash + 1) != std::to_string(parts)) {
        return s3_status(S3Error::kBadDigest, "the number of parts in " + std::string(name) +
                                                  " differs from the parts listed");
      }
      v = v.substr(0, dash);
    }
    auto raw = base64_decode(v);
    if (!raw.is_ok() || raw->size() != checksum_digest_size(*alg)) {
      return s3_status(S3Error::kInvalidRequest, "value for " + name + " header is invalid");
    }
    co.checksum_algorithm = *alg;
    co.expected_checksum = std::move(*raw);
  }
  return co;
}

}  // namespace

Task<Response> S3MultipartHandlers::complete_multipart_upload(S3Context& ctx) {
  auto xml = co_await io_.read_xml(ctx);
  if (!xml.is_ok()) co_return error_response(ctx, xml.status(), Subject::kUpload);
  auto parts = parse_complete_multipart(*xml);
  if (!parts.is_ok()) co_return error_response(ctx, parts.status(), Subject::kUpload);
  auto list = completed_parts(*parts);
  if (!list.is_ok()) co_return error_response(ctx, list.status(), Subject::kUpload);
  auto co = complete_options(ctx, list->size());
  if (!co.is_ok()) co_return error_response(ctx, co.status(), Subject::kUpload);
  std::string upload_id(*ctx.target.get("uploadId"));
  auto info = co_await uploads_.complete_multipart_upload(ctx.caller, ctx.target.bucket,
                                                          ctx.target.key, upload_id, *list, *co);
  if (!info.is_ok()) {
    Status s = info.status();
    if (s.code() == StatusCode::kInvalidArgument && (co->checksum_type || co->checksum_algorithm))
      s = s3_status(S3Error::kInvalidRequest, s.message());
    co_return error_response(ctx, s, Subject::kUpload);
  }
  XmlWriter w("CompleteMultipartUploadResult");
  w.elem("Location", "/" + ctx.target.bucket + "/" + auth::uri_encode(ctx.target.key, false));
  w.elem("Bucket", ctx.target.bucket)
      .elem("Key", ctx.target.key)
      .elem("ETag", quote_etag(info->etag));
  checksum_xml(w, info->checksum);
  if (info->checksum)
    w.elem("ChecksumType", info->checksum->composite ? "COMPOSITE" : "FULL_OBJECT");
  Response r = xml_response(200, w.finish());
  if (!info->version_id.empty() && info->version_id != "null")
    r.set("x-amz-version-id", info->version_id);
  set_sse_headers(ctx, info->sse, r);
  co_return r;
}

Task<Response> S3MultipartHandlers::abort_multipart_upload(S3Context& ctx) {
  std::string upload_id(*ctx.target.get("uploadId"));
  Status s = co_await uploads_.abort_multipart_upload(ctx.caller, ctx.target.bucket, ctx.target.key,
                                                      upload_id);
  co_return change_response(ctx, s, Subject::kUpload, 204);
}

Task<Response> S3MultipartHandlers::list_parts(S3Context& ctx) {
  services::ListPartsOptions o;
  auto marker = bounded_param(ctx.target, "part-number-marker", 0);
  auto max = bounded_param(ctx.target, "max-parts", 1000);
  if (!marker.is_ok()) co_return error_response(ctx, marker.status(), Subject::kUpload);
  if (!max.is_ok()) co_return error_response(ctx, max.status(), Subject::kUpload);
  if (auto v = ctx.target.get("part-number-marker")) {
    uint32_t m = 0;
    std::from_chars(v->data(), v->data() + v->size(), m);
    o.part_number_marker = m;
  }
  o.max_parts = *max;
  std::string upload_id(*ctx.target.get("uploadId"));
  auto r =
      co_await uploads_.list_parts(ctx.caller, ctx.target.bucket, ctx.target.key, upload_id, o);
  if (!r.is_ok()) co_return error_response(ctx, r.status(), Subject::kUpload);
  XmlWriter w("ListPartsResult");
  w.elem("Bucket", ctx.target.bucket).elem("Key", ctx.target.key).elem("UploadId", upload_id);
  w.open("Initiator")
      .elem("ID", r->upload.owner)
      .elem("DisplayName", r->upload.owner)
      .close("Initiator");
  w.open("Owner").elem("ID", r->upload.owner).elem("DisplayName", r->upload.owner).close("Owner");
  w.elem("StorageClass", r->upload.storage_class.empty() ? "STANDARD" : r->upload.storage_class);
  w.elem("PartNumberMarker", static_cast<uint64_t>(o.part_number_marker));
  w.elem("NextPartNumberMarker", static_cast<uint64_t>(r->next_part_number_marker));
  w.elem("MaxParts", static_cast<uint64_t>(o.max_parts)).elem_bool("IsTruncated", r->is_truncated);
  if (r->upload.checksum_algorithm) {
    w.elem("ChecksumAlgorithm", checksum_algorithm_name(*r->upload.checksum_algorithm));
    w.elem("ChecksumType", checksum_type_name(r->upload.checksum_type));
  }
  for (size_t i = 0; i < r->parts.size(); ++i) {
    const auto& p = r->parts[i];
    w.open("Part").elem("PartNumber", static_cast<uint64_t>(p.number));
    if (i < r->part_last_modified.size())
      w.elem("LastModified", format_iso8601(r->part_last_modified[i]));
    w.elem("ETag", quote_etag(p.etag)).elem("Size", p.size);
    checksum_xml(w, p.checksum);
    w.close("Part");
  }
  co_return xml_response(200, w.finish());
}

Task<Response> S3MultipartHandlers::list_multipart_uploads(S3Context& ctx) {
  const S3Target& t = ctx.target;
  auto max = bounded_param(t, "max-uploads", 1000);
  if (!max.is_ok()) co_return error_response(ctx, max.status(), Subject::kBucket);
  auto enc = url_encoding(t);
  if (!enc.is_ok()) co_return error_response(ctx, enc.status(), Subject::kBucket);
  services::ListUploadsOptions o;
  o.prefix = std::string(t.get("prefix").value_or(""));
  o.delimiter = std::string(t.get("delimiter").value_or(""));
  o.key_marker = std::string(t.get("key-marker").value_or(""));
  o.upload_id_marker = std::string(t.get("upload-id-marker").value_or(""));
  o.max_uploads = *max;
  auto r = co_await uploads_.list_multipart_uploads(ctx.caller, t.bucket, o);
  if (!r.is_ok()) co_return error_response(ctx, r.status(), Subject::kBucket);
  auto e = [&](std::string_view s) { return *enc ? auth::uri_encode(s, false) : std::string(s); };
  XmlWriter w("ListMultipartUploadsResult");
  w.elem("Bucket", t.bucket)
      .elem("KeyMarker", e(o.key_marker))
      .elem("UploadIdMarker", o.upload_id_marker);
  w.elem("NextKeyMarker", e(r->next_key_marker))
      .elem("NextUploadIdMarker", r->next_upload_id_marker);
  w.elem("Prefix", e(o.prefix));
  if (!o.delimiter.empty()) w.elem("Delimiter", e(o.delimiter));
  if (*enc) w.elem("EncodingType", "url");
  w.elem("MaxUploads", static_cast<uint64_t>(o.max_uploads))
      .elem_bool("IsTruncated", r->is_truncated);
  for (const auto& u : r->uploads) {
    w.open("Upload").elem("Key", e(u.key)).elem("UploadId", u.upload_id);
    w.open("Initiator").elem("ID", u.owner).elem("DisplayName", u.owner).close("Initiator");
    w.open("Owner").elem("ID", u.owner).elem("DisplayName", u.owner).close("Owner");
    w.elem("StorageClass", u.storage_class.empty() ? "STANDARD" : u.storage_class);
    w.elem("Initiated", format_iso8601(u.initiated));
    if (u.checksum_algorithm) {
      w.elem("ChecksumAlgorithm", checksum_algorithm_name(*u.checksum_algorithm));
      w.elem("ChecksumType", checksum_type_name(u.checksum_type));
    }
    w.close("Upload");
  }
  for (const auto& p : r->common_prefixes)
    w.open("CommonPrefixes").elem("Prefix", e(p)).close("CommonPrefixes");
  co_return xml_response(200, w.finish());
}

}  // namespace skyarray::s3
