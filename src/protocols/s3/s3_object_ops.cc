// Object-level S3 operations: Put (and append), Get/Head, Delete, Copy,
// object tagging and GetObjectAttributes.
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <charconv>

#include "common/ascii.h"
#include "common/encoding.h"
#include "protocols/s3/s3_acl.h"
#include "protocols/s3/s3_api_impl.h"
#include "protocols/s3/s3_body.h"

namespace skyarray::s3 {

namespace {

Result<uint64_t> parse_count(std::string_view v, std::string_view what) {
  if (auto n = parse_u64(v)) return *n;
  return s3_status(S3Error::kInvalidArgument,
                   std::string(what) + " must be a non-negative integer");
}

// Content-Encoding minus the aws-chunked coding, which is the request's
// transport framing, not the object's encoding (S3 stores "gzip" for
// "aws-chunked,gzip" and nothing for "aws-chunked").
std::string without_aws_chunked(std::string_view v) {
  std::string out;
  bool found = false;
  size_t start = 0;
  while (start <= v.size()) {
    size_t comma = std::min(v.find(',', start), v.size());
    std::string_view item = v.substr(start, comma - start);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (ascii_lower(item) == "aws-chunked") {
      found = true;
    } else if (!item.empty()) {
      if (!out.empty()) out += ",";
      out += item;
    }
    start = comma + 1;
  }
  return found ? out : std::string(v);
}

Status read_conditions(const S3Context& ctx, std::string_view prefix, services::Conditions* c) {
  std::string p(prefix);
  if (auto v = ctx.header(p + "if-match")) c->if_match = parse_etag_list(*v);
  if (auto v = ctx.header(p + "if-none-match")) c->if_none_match = parse_etag_list(*v);
  // Unparseable dates are ignored, as HTTP says.
  if (auto v = ctx.header(p + "if-modified-since")) c->if_modified_since = parse_http_date(*v);
  if (auto v = ctx.header(p + "if-unmodified-since")) c->if_unmodified_since = parse_http_date(*v);
  return Status::ok();
}

void checksum_xml(XmlWriter& w, const std::optional<services::ObjectChecksum>& c) {
  if (!c) return;
  std::string tag = "Checksum" + std::string(checksum_algorithm_name(c->algorithm));
  w.elem(tag, checksum_wire_value(*c));
}

// Default-constructible wrapper: awaitable operators need one. No co_await in
// braced initializers (GCC 12 destroys such temporaries twice).
struct Piece {
  std::optional<Result<Buffer>> got;
};

Task<Piece> next_piece(RequestBody& body, size_t max_bytes) {
  Result<Buffer> got = co_await body.next(max_bytes);
  Piece piece;
  piece.got.emplace(std::move(got));
  co_return piece;
}

Task<Status> write_piece(services::ObjectWriter& writer, Buffer data) {
  Status s = co_await writer.write(std::move(data));
  co_return s;
}

}  // namespace

Result<services::PutOptions> S3Api::Impl::put_options(const S3Context& ctx, bool for_part) const {
  services::PutOptions o;
  if (auto md5 = ctx.header("content-md5")) {
    auto raw = base64_decode(*md5);
    if (!raw.is_ok() || raw->size() != 16) {
      return s3_status(S3Error::kInvalidDigest, "the Content-MD5 you specified was invalid");
    }
    o.expected_md5 = std::move(*raw);
  }
  for (const auto& [name, value] : ctx.http.headers()) {
    auto alg = checksum_from_header_name(name);
    if (!alg) continue;
    auto raw = base64_decode(value);
    if (!raw.is_ok() || raw->size() != checksum_digest_size(*alg)) {
      return s3_status(S3Error::kInvalidRequest,
                       "value for " + ascii_lower(name) + " header is invalid");
    }
    if (o.checksum_algorithm && *o.checksum_algorithm != *alg) {
      return s3_status(S3Error::kInvalidRequest, "expecting a single x-amz-checksum- header");
    }
    o.checksum_algorithm = *alg;
    o.expected_checksum = std::move(*raw);
  }
  for (const char* h : {"x-amz-sdk-checksum-algorithm", "x-amz-checksum-algorithm"}) {
    auto v = ctx.header(h);
    if (!v || o.checksum_algorithm) continue;
    auto alg = parse_checksum_algorithm(*v);
    if (!alg || *alg == ChecksumAlgorithm::kMd5) {
      return s3_status(S3Error::kInvalidRequest,
                       "unsupported checksum algorithm '" + std::string(*v) + "'");
    }
    o.checksum_algorithm = *alg;
  }
  if (auto trailer = ctx.header("x-amz-trailer")) {
    auto alg = checksum_from_header_name(*trailer);
    if (!alg)
      return s3_status(S3Error::kInvalidRequest,
                       "unsupported x-amz-trailer '" + std::string(*trailer) + "'");
    if (o.checksum_algorithm && *o.checksum_algorithm != *alg) {
      return s3_status(S3Error::kInvalidRequest,
                       "x-amz-trailer names a different checksum algorithm");
    }
    o.checksum_algorithm = *alg;
  }
  if (for_part) return o;

  auto set = [&](std::string_view h, std::string* out) {
    if (auto v = ctx.header(h)) *out = std::string(*v);
  };
  set("content-type", &o.content.content_type);
  set("content-encoding", &o.content.content_encoding);
  set("content-disposition", &o.content.content_disposition);
  set("content-language", &o.content.content_language);
  set("cache-control", &o.content.cache_control);
  set("expires", &o.content.expires);
  o.content.content_encoding = without_aws_chunked(o.content.content_encoding);
  size_t meta_bytes = 0;
  for (const auto& [name, value] : ctx.http.headers()) {
    if (!istarts_with(name, "x-amz-meta-")) continue;
    std::string key = ascii_lower(name.substr(11));
    std::string decoded = decode_metadata_value(value);
    meta_bytes += key.size() + decoded.size();
    o.user_metadata[key] = std::move(decoded);
  }
  if (meta_bytes > options.max_metadata_bytes) {
    return s3_status(S3Error::kMetadataTooLarge,
                     "your metadata headers exceed the maximum allowed "
                     "metadata size (2 KB)");
  }
  if (auto tagging = ctx.header("x-amz-tagging")) {
    auto q = auth::parse_query(*tagging);
    if (!q.is_ok())
      return s3_status(S3Error::kInvalidTag, "x-amz-tagging is not a valid query string");
    for (auto& [k, v] : *q) {
      if (k.empty() || k.size() > 128 || v.size() > 256 || !o.tags.emplace(k, v).second) {
        return s3_status(S3Error::kInvalidTag, "the tag provided was not a valid tag");
      }
    }
    if (o.tags.size() > services::kMaxTags) {
      return s3_status(S3Error::kInvalidTag, "object tags cannot be greater than 10");
    }
  }
  if (auto sc = ctx.header("x-amz-storage-class")) {
    o.storage_class = std::string(*sc);
    if (!services::is_valid_storage_class(o.storage_class)) {
      return s3_status(S3Error::kInvalidStorageClass,
                       "the storage class you specified is not valid");
    }
  }
  if (auto v = ctx.header("if-match")) o.if_match = parse_etag_list(*v);
  if (auto v = ctx.header("if-none-match")) o.if_none_match = parse_etag_list(*v);
  SKY_ASSIGN_OR_RETURN(auto acl, acl_from_headers(ctx.http));  // x-amz-acl, x-amz-grant-*
  if (acl) {
    if (ctx.access)
      SKY_RETURN_IF_ERROR(check_acl_allowed(ctx.header("x-amz-acl"), *acl, *ctx.access));
    o.acl = std::move(*acl);
  }
  return o;
}

Result<std::unique_ptr<RequestBody>> S3Api::Impl::open_body(S3Context& ctx) const {
  SKY_ASSIGN_OR_RETURN(auto body, RequestBody::open(ctx.http, ctx.auth, options.max_put_size));
  if (body->expected_size() && *body->expected_size() > options.max_put_size) {
    return s3_status(S3Error::kEntityTooLarge,
                     "your proposed upload exceeds the maximum allowed size");
  }
  return body;
}

Task<Result<services::ObjectInfo>> S3Api::Impl::stream_into(RequestBody& body,
                                                            services::ObjectWriter& writer) {
  using namespace boost::asio::experimental::awaitable_operators;
  // The next body piece is received while the current one is stored, so the
  // network and the disk work at the same time.
  Status failure;
  Piece cur = co_await next_piece(body, options.stream_buffer);
  for (;;) {
    Result<Buffer>& buf = *cur.got;
    if (!buf.is_ok()) {
      failure = buf.status();
      break;
    }
    if (buf->empty()) break;
    if (body.bytes() > options.max_put_size) {
      failure = s3_status(S3Error::kEntityTooLarge,
                          "your proposed upload exceeds the maximum allowed size");
      break;
    }
    std::tuple<Status, Piece> both =
        co_await (write_piece(writer, std::move(*buf)) && next_piece(body, options.stream_buffer));
    if (!std::get<0>(both).is_ok()) {
      failure = std::get<0>(both);
      break;
    }
    cur = std::move(std::get<1>(both));
  }
  if (failure.is_ok()) {
    for (const auto& [name, value] : body.trailers()) {
      auto alg = checksum_from_header_name(name);
      if (!alg) continue;
      auto raw = base64_decode(value);
      if (!raw.is_ok() || raw->size() != checksum_digest_size(*alg)) {
        failure = s3_status(S3Error::kInvalidRequest,
                            "value for " + name + " trailing header is invalid");
        break;
      }
      writer.expect_checksum(*alg, std::move(*raw));
    }
  }
  if (!failure.is_ok()) {
    co_await writer.abort();
    co_return failure;
  }
  Result<services::ObjectInfo> info = co_await writer.commit();
  if (!info.is_ok()) co_await writer.abort();
  co_return info;
}

void S3Api::Impl::object_headers(const S3Context& ctx, const services::ObjectInfo& info,
                                 Response& r) const {
  r.set("ETag", quote_etag(info.etag));
  r.set("Last-Modified", format_http_date(info.last_modified));
  r.set("Content-Type",
        info.content.content_type.empty() ? "binary/octet-stream" : info.content.content_type);
  auto opt = [&](const char* name, const std::string& v) {
    if (!v.empty()) r.set(name, v);
  };
  opt("Content-Encoding", info.content.content_encoding);
  opt("Content-Disposition", info.content.content_disposition);
  opt("Content-Language", info.content.content_language);
  opt("Cache-Control", info.content.cache_control);
  opt("Expires", info.content.expires);
  for (const auto& [k, v] : info.user_metadata) r.set("x-amz-meta-" + k, encode_metadata_value(v));
  if (!info.version_id.empty() && info.version_id != "null")
    r.set("x-amz-version-id", info.version_id);
  if (info.storage_class != "STANDARD" && !info.storage_class.empty())
    r.set("x-amz-storage-class", info.storage_class);
  if (info.tag_count > 0) r.set("x-amz-tagging-count", std::to_string(info.tag_count));
  if (info.appendable) r.set("x-oss-next-append-position", std::to_string(info.size));
  // As S3, none for a Range: the object's checksum does not cover the
  // range's bytes, and SDKs that validate response checksums would refuse it.
  // The same holds for one part of a multipart object.
  auto mode = ctx.header("x-amz-checksum-mode");
  bool one_part = ctx.target.has("partNumber") && !info.parts.empty();
  if (info.checksum && mode && ascii_lower(*mode) == "enabled" && !ctx.header("range") &&
      !one_part) {
    r.set(checksum_header_name(info.checksum->algorithm), checksum_wire_value(*info.checksum));
    r.set("x-amz-checksum-type", info.checksum->composite ? "COMPOSITE" : "FULL_OBJECT");
  }
}

Task<Response> S3Api::Impl::put_object(S3Context& ctx) {
  auto opts = put_options(ctx, false);
  if (!opts.is_ok()) co_return error_response(ctx, opts.status(), Subject::kObject);
  if (auto off = ctx.header("x-amz-write-offset-bytes")) {
    auto n = parse_count(*off, "x-amz-write-offset-bytes");
    if (!n.is_ok()) co_return error_response(ctx, n.status(), Subject::kObject);
    opts->append_position = *n;
  }
  auto body = open_body(ctx);
  if (!body.is_ok()) co_return error_response(ctx, body.status(), Subject::kObject);
  opts->expected_size = (*body)->expected_size();
  auto writer = co_await objects.writes().put_object(ctx.caller, ctx.target.bucket, ctx.target.key,
                                                     std::move(*opts));
  if (!writer.is_ok()) co_return error_response(ctx, writer.status(), Subject::kObject);
  auto info = co_await stream_into(**body, **writer);
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
  co_return r;
}

Task<Response> S3Api::Impl::append_object(S3Context& ctx) {
  auto pos = ctx.target.get("position");
  if (!pos) {
    co_return error_response(ctx, s3_status(S3Error::kInvalidArgument, "append needs ?position=N"),
                             Subject::kObject);
  }
  auto n = parse_count(*pos, "position");
  if (!n.is_ok()) co_return error_response(ctx, n.status(), Subject::kObject);
  auto opts = put_options(ctx, false);
  if (!opts.is_ok()) co_return error_response(ctx, opts.status(), Subject::kObject);
  opts->append_position = *n;
  auto body = open_body(ctx);
  if (!body.is_ok()) co_return error_response(ctx, body.status(), Subject::kObject);
  opts->expected_size = (*body)->expected_size();
  Result<services::ObjectInfo> info = Status::internal("unset");
  auto writer = co_await objects.writes().put_object(ctx.caller, ctx.target.bucket, ctx.target.key,
                                                     std::move(*opts));
  if (!writer.is_ok()) {
    info = writer.status();
  } else {
    info = co_await stream_into(**body, **writer);
  }
  if (!info.is_ok()) {
    Response r = error_response(ctx, info.status(), Subject::kObject);
    if (info.status().code() == StatusCode::kPositionMismatch) {
      auto cur = co_await objects.reads().head_object(ctx.caller, ctx.target.bucket, ctx.target.key,
                                                      services::GetOptions{});
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

Task<Response> S3Api::Impl::get_object(S3Context& ctx) {
  return get_or_head_object(ctx, false);
}

Task<Response> S3Api::Impl::head_object(S3Context& ctx) {
  return get_or_head_object(ctx, true);
}

Task<Response> S3Api::Impl::get_or_head_object(S3Context& ctx, bool head) {
  const S3Target& t = ctx.target;
  services::GetOptions g;
  g.metadata_only = head;
  if (auto v = t.get("versionId")) g.version_id = std::string(*v);
  if (auto pn = t.get("partNumber")) {
    auto n = parse_count(*pn, "partNumber");
    if (!n.is_ok() || *n < 1 || *n > services::kMaxParts) {
      co_return error_response(ctx,
                               s3_status(S3Error::kInvalidArgument,
                                         "part number must be an integer between 1 and 10000"),
                               Subject::kObject);
    }
    g.part_number = static_cast<uint32_t>(*n);
  }
  if (auto range = ctx.header("range")) {
    if (g.part_number) {
      co_return error_response(
          ctx,
          s3_status(S3Error::kInvalidRequest, "cannot specify both Range header and partNumber"),
          Subject::kObject);
    }
    g.range = parse_range(*range);
  }
  (void)read_conditions(ctx, "", &g.conditions);
  auto reader = co_await objects.reads().get_object(ctx.caller, t.bucket, t.key, g);
  if (!reader.is_ok()) co_return co_await get_failure(ctx, g, reader.status());
  const services::ObjectInfo& info = (*reader)->info();
  uint64_t first = (*reader)->range_first(), length = (*reader)->range_length();
  bool partial = g.range.has_value() || g.part_number.has_value();
  Response r;
  r.status = partial ? 206 : 200;
  object_headers(ctx, info, r);
  r.set("Accept-Ranges", "bytes");
  if (partial) {
    uint64_t last = length == 0 ? first : first + length - 1;
    r.set("Content-Range", "bytes " + std::to_string(first) + "-" + std::to_string(last) + "/" +
                               std::to_string(info.size));
  }
  if (g.part_number && !info.parts.empty())
    r.set("x-amz-mp-parts-count", std::to_string(info.parts.size()));
  static constexpr std::pair<const char*, const char*> kOverrides[] = {
      {"response-content-type", "Content-Type"},
      {"response-content-language", "Content-Language"},
      {"response-expires", "Expires"},
      {"response-cache-control", "Cache-Control"},
      {"response-content-disposition", "Content-Disposition"},
      {"response-content-encoding", "Content-Encoding"}};
  for (const auto& override : kOverrides) {
    std::string_view header = override.second;
    auto v = t.get(override.first);
    if (!v) continue;
    std::erase_if(r.headers, [&](const auto& h) { return iequals(h.first, header); });
    r.set(std::string(header), std::string(*v));
  }
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

Task<Response> S3Api::Impl::get_failure(S3Context& ctx, const services::GetOptions& g,
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
    auto info = co_await objects.reads().head_object(ctx.caller, t.bucket, t.key, plain);
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
    auto marker =
        co_await objects.versions().delete_marker(ctx.caller, t.bucket, t.key, g.version_id);
    if (marker.is_ok() && *marker) {
      r.set("x-amz-delete-marker", "true");
      r.set("x-amz-version-id", (*marker)->version_id);
      if (g.version_id) r.set("Last-Modified", format_http_date((*marker)->last_modified));
    }
  }
  co_return r;
}

Task<Response> S3Api::Impl::delete_object(S3Context& ctx) {
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
  auto r =
      co_await objects.writes().delete_object(ctx.caller, ctx.target.bucket, ctx.target.key, d);
  if (!r.is_ok()) co_return error_response(ctx, r.status(), Subject::kObject);
  Response resp = empty_response(204);
  if (!r->version_id.empty() && r->version_id != "null")
    resp.set("x-amz-version-id", r->version_id);
  if (r->delete_marker) resp.set("x-amz-delete-marker", "true");
  co_return resp;
}

Task<Response> S3Api::Impl::copy_object(S3Context& ctx) {
  auto src = parse_copy_source(*ctx.header("x-amz-copy-source"));
  if (!src.is_ok()) co_return error_response(ctx, src.status(), Subject::kObject);
  services::CopyOptions c;
  c.source_version_id = src->version_id;
  (void)read_conditions(ctx, "x-amz-copy-source-", &c.source_conditions);
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
  auto opts = put_options(ctx, false);
  if (!opts.is_ok()) co_return error_response(ctx, opts.status(), Subject::kObject);
  c.if_match = opts->if_match;
  c.if_none_match = opts->if_none_match;
  c.replace = std::move(*opts);
  if (src->bucket == ctx.target.bucket && src->key == ctx.target.key && !src->version_id &&
      c.metadata_directive == services::MetadataDirective::kCopy &&
      !ctx.header("x-amz-storage-class")) {
    co_return error_response(
        ctx,
        s3_status(S3Error::kInvalidRequest,
                  "this copy request is illegal because it is trying to copy an object "
                  "to itself without changing the object's metadata, storage class, "
                  "website redirect location or encryption attributes"),
        Subject::kObject);
  }
  auto info = co_await objects.writes().copy_object(
      ctx.caller, src->bucket, src->key, ctx.target.bucket, ctx.target.key, std::move(c));
  if (!info.is_ok()) co_return error_response(ctx, info.status(), Subject::kObject);
  XmlWriter w("CopyObjectResult");
  w.elem("LastModified", format_iso8601(info->last_modified)).elem("ETag", quote_etag(info->etag));
  checksum_xml(w, info->checksum);
  Response r = xml_response(200, w.finish());
  if (!info->version_id.empty() && info->version_id != "null")
    r.set("x-amz-version-id", info->version_id);
  if (src->version_id) r.set("x-amz-copy-source-version-id", *src->version_id);
  co_return r;
}

Task<Response> S3Api::Impl::get_object_tagging(S3Context& ctx) {
  std::optional<std::string> vid;
  if (auto v = ctx.target.get("versionId")) vid = std::string(*v);
  auto tags = co_await objects.reads().get_object_tagging(ctx.caller, ctx.target.bucket,
                                                          ctx.target.key, vid);
  if (!tags.is_ok()) co_return error_response(ctx, tags.status(), Subject::kObject);
  XmlWriter w("Tagging");
  w.open("TagSet");
  for (const auto& [k, v] : *tags) w.open("Tag").elem("Key", k).elem("Value", v).close("Tag");
  w.close("TagSet");
  Response r = xml_response(200, w.finish());
  if (vid) r.set("x-amz-version-id", *vid);
  co_return r;
}

Task<Response> S3Api::Impl::put_object_tagging(S3Context& ctx) {
  auto xml = co_await read_xml(ctx);
  if (!xml.is_ok()) co_return error_response(ctx, xml.status(), Subject::kObject);
  auto tags = parse_tagging(*xml, services::kMaxTags);
  if (!tags.is_ok()) co_return error_response(ctx, tags.status(), Subject::kObject);
  std::optional<std::string> vid;
  if (auto v = ctx.target.get("versionId")) vid = std::string(*v);
  auto r = co_await objects.writes().put_object_tagging(ctx.caller, ctx.target.bucket,
                                                        ctx.target.key, std::move(*tags), vid);
  if (!r.is_ok()) co_return error_response(ctx, r.status(), Subject::kObject);
  Response resp = empty_response(200);
  if (!r->empty() && *r != "null") resp.set("x-amz-version-id", *r);
  co_return resp;
}

Task<Response> S3Api::Impl::delete_object_tagging(S3Context& ctx) {
  std::optional<std::string> vid;
  if (auto v = ctx.target.get("versionId")) vid = std::string(*v);
  auto r = co_await objects.writes().delete_object_tagging(ctx.caller, ctx.target.bucket,
                                                           ctx.target.key, vid);
  if (!r.is_ok()) co_return error_response(ctx, r.status(), Subject::kObject);
  Response resp = empty_response(204);
  if (!r->empty() && *r != "null") resp.set("x-amz-version-id", *r);
  co_return resp;
}

Task<Response> S3Api::Impl::get_object_attributes(S3Context& ctx) {
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
  auto info =
      co_await objects.reads().head_object(ctx.caller, ctx.target.bucket, ctx.target.key, g);
  if (!info.is_ok()) co_return error_response(ctx, info.status(), Subject::kObject);
  XmlWriter w("GetObjectAttributesResponse");
  if (want("ETag")) w.elem("ETag", info->etag);
  if (want("Checksum") && info->checksum) {
    w.open("Checksum");
    checksum_xml(w, info->checksum);
    w.elem("ChecksumType", info->checksum->composite ? "COMPOSITE" : "FULL_OBJECT");
    w.close("Checksum");
  }
  if (want("ObjectParts") && !info->parts.empty()) {
    std::vector<const services::ObjectPart*> page;
    bool truncated = false;
    for (const auto& p : info->parts) {
      if (p.number <= marker) continue;
      if (page.size() == max_parts) {
        truncated = true;
        break;
      }
      page.push_back(&p);
    }
    uint64_t next = page.empty() ? marker : page.back()->number;
    w.open("ObjectParts").elem("PartsCount", static_cast<uint64_t>(info->parts.size()));
    w.elem("PartNumberMarker", marker).elem("NextPartNumberMarker", next);
    w.elem("MaxParts", max_parts).elem_bool("IsTruncated", truncated);
    for (const auto* p : page) {
      w.open("Part").elem("PartNumber", static_cast<uint64_t>(p->number)).elem("Size", p->size);
      checksum_xml(w, p->checksum);
      w.close("Part");
    }
    w.close("ObjectParts");
  }
  if (want("StorageClass")) w.elem("StorageClass", info->storage_class);
  if (want("ObjectSize")) w.elem("ObjectSize", info->size);
  Response r = xml_response(200, w.finish());
  r.set("Last-Modified", format_http_date(info->last_modified));
  if (!info->version_id.empty() && info->version_id != "null")
    r.set("x-amz-version-id", info->version_id);
  co_return r;
}

}  // namespace skyarray::s3
