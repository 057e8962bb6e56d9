// S3RequestIo: XML and object bodies, PutOptions from headers, object
// headers on responses (s3_request_io.h).
#include "protocols/s3/s3_request_io.h"

#include "protocols/s3/s3_sse.h"

#include <boost/asio/experimental/awaitable_operators.hpp>

#include "common/ascii.h"
#include "common/checksum.h"
#include "common/encoding.h"
#include "protocols/s3/s3_acl.h"
#include "protocols/s3/s3_body.h"
#include "protocols/s3/s3_routes.h"
#include "protocols/s3/s3_xml.h"

namespace skyarray::s3 {

namespace {

// Content-Encoding minus the aws-chunked coding, which is the request's
// transport framing, not the object's encoding (S3 stores "gzip" for
// "aws-chunked,gzip" and nothing for "aws-chunked").
std::string without_aws_chunked(std::string_view v) {
  std::string out;
  bool found = false;
  size_t start = 0;
  while (start <= v.size()) {
    size_t comma = std::min(v.find(',', start), v.size());
    std::string_view item = trim(v.substr(start, comma - start));
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

Status read_digests(const S3Context& ctx, services::PutOptions* out) {
  services::PutOptions& o = *out;
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
  return Status::ok();
}

Status read_metadata_and_tags(const S3Context& ctx, uint64_t max_metadata_bytes,
                              services::PutOptions* out) {
  services::PutOptions& o = *out;
  size_t meta_bytes = 0;
  for (const auto& [name, value] : ctx.http.headers()) {
    if (!istarts_with(name, "x-amz-meta-")) continue;
    std::string key = ascii_lower(name.substr(11));
    std::string decoded = decode_metadata_value(value);
    meta_bytes += key.size() + decoded.size();
    o.user_metadata[key] = std::move(decoded);
  }
  if (meta_bytes > max_metadata_bytes) {
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
  return Status::ok();
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

// Checks a small XML body against Content-MD5 and x-amz-checksum-*.
Status verify_xml_digests(const S3Context& ctx,
                          std::vector<std::pair<std::string, std::string>> trailers,
                          const std::string& out) {
  // x-amz-checksum-<alg> (header or trailer) covers the XML as sent, as
  // Content-MD5 does: the SDKs send one or the other with every XML body.
  // CompleteMultipartUpload is the exception: its checksum headers are the
  // whole object's, checked by the handler.
  std::vector<std::pair<std::string, std::string>> sums = std::move(trailers);
  if (ctx.route->operation != "CompleteMultipartUpload") {
    for (const auto& [name, value] : ctx.http.headers()) sums.emplace_back(name, value);
  }
  for (const auto& [name, value] : sums) {
    auto alg = checksum_from_header_name(name);
    if (!alg) continue;
    auto want = base64_decode(value);
    if (!want.is_ok() || want->size() != checksum_digest_size(*alg)) {
      return s3_status(S3Error::kInvalidRequest, "value for " + name + " header is invalid");
    }
    SKY_ASSIGN_OR_RETURN(auto h, Checksum::create(*alg));
    h->update(out);
    if (h->finish() != *want) {
      return s3_status(S3Error::kBadDigest, "the " + std::string(checksum_algorithm_name(*alg)) +
                                                " you specified did not match the calculated "
                                                "checksum");
    }
  }
  if (auto md5 = ctx.header("content-md5")) {
    auto want = base64_decode(*md5);
    if (!want.is_ok() || want->size() != 16) {
      return s3_status(S3Error::kInvalidDigest, "the Content-MD5 you specified was invalid");
    }
    SKY_ASSIGN_OR_RETURN(auto h, Checksum::create(ChecksumAlgorithm::kMd5));
    h->update(out);
    if (h->finish() != *want) {
      return s3_status(S3Error::kBadDigest,
                       "the Content-MD5 you specified did not match what we received");
    }
  }
  return Status::ok();
}

// x-amz-object-lock-mode, -retain-until-date and -legal-hold (PutObject,
// CopyObject, CreateMultipartUpload).
Status read_object_lock(const S3Context& ctx, services::PutOptions* o) {
  auto mode = ctx.header("x-amz-object-lock-mode");
  auto until = ctx.header("x-amz-object-lock-retain-until-date");
  auto hold = ctx.header("x-amz-object-lock-legal-hold");
  if (!mode && !until && !hold) return Status::ok();
  if (ctx.access && !ctx.access->object_lock_enabled) {
    return s3_status(S3Error::kInvalidRequest, "Bucket is missing Object Lock Configuration");
  }
  if (mode.has_value() != until.has_value()) {
    return s3_status(S3Error::kInvalidArgument,
                     "x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both "
                     "be supplied");
  }
  if (mode) {
    auto m = parse_retention_mode(*mode);
    if (!m) {
      return s3_status(S3Error::kInvalidArgument,
                       "Unknown wormMode directive: " + std::string(*mode));
    }
    auto when = parse_iso8601(*until);
    if (!when) {
      return s3_status(S3Error::kInvalidArgument,
                       "The retain until date must be provided in ISO 8601 format");
    }
    o->lock.mode = *m;
    o->lock.retain_until_ns = to_ns(*when);
  }
  if (hold) {
    if (*hold != "ON" && *hold != "OFF") {
      return s3_status(S3Error::kInvalidArgument, "Legal Hold must be either of 'ON' or 'OFF'");
    }
    o->lock.legal_hold = *hold == "ON";
  }
  // S3 wants the body's integrity stated for a locked upload.
  if (ctx.route && ctx.route->operation == "PutObject" && !has_payload_digest(ctx)) {
    return s3_status(S3Error::kInvalidRequest,
                     "Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object "
                     "requests with Object Lock parameters");
  }
  return Status::ok();
}

}  // namespace

bool has_payload_digest(const S3Context& ctx) {
  if (ctx.header("content-md5") || ctx.header("x-amz-sdk-checksum-algorithm") ||
      ctx.header("x-amz-trailer")) {
    return true;
  }
  for (const auto& [name, value] : ctx.http.headers()) {
    if (checksum_from_header_name(name)) return true;
  }
  return false;
}

Result<uint64_t> parse_count(std::string_view v, std::string_view what) {
  if (auto n = parse_u64(v)) return *n;
  return s3_status(S3Error::kInvalidArgument,
                   std::string(what) + " must be a non-negative integer");
}

void read_conditions(const S3Context& ctx, std::string_view prefix, services::Conditions* c) {
  std::string p(prefix);
  if (auto v = ctx.header(p + "if-match")) c->if_match = parse_etag_list(*v);
  if (auto v = ctx.header(p + "if-none-match")) c->if_none_match = parse_etag_list(*v);
  // Unparseable dates are ignored, as HTTP says.
  if (auto v = ctx.header(p + "if-modified-since")) c->if_modified_since = parse_http_date(*v);
  if (auto v = ctx.header(p + "if-unmodified-since")) c->if_unmodified_since = parse_http_date(*v);
}

Status read_content_and_class(const FieldLookup& get, services::PutOptions* o) {
  auto set = [&](std::string_view name, std::string* out) {
    if (auto v = get(name)) *out = std::string(*v);
  };
  set("content-type", &o->content.content_type);
  set("content-encoding", &o->content.content_encoding);
  set("content-disposition", &o->content.content_disposition);
  set("content-language", &o->content.content_language);
  set("cache-control", &o->content.cache_control);
  set("expires", &o->content.expires);
  if (auto sc = get("x-amz-storage-class")) {
    o->storage_class = std::string(*sc);
    if (!services::is_valid_storage_class(o->storage_class)) {
      return s3_status(S3Error::kInvalidStorageClass,
                       "the storage class you specified is not valid");
    }
  }
  return Status::ok();
}

Task<Result<std::string>> S3RequestIo::read_xml(S3Context& ctx) const {
  // authorize() may have read (and verified) the body already.
  if (ctx.xml_body) co_return *std::exchange(ctx.xml_body, std::nullopt);
  SKY_CO_ASSIGN_OR_RETURN(auto body, RequestBody::open(ctx.http, ctx.auth, options_.max_xml_body));
  if (body->expected_size() && *body->expected_size() > options_.max_xml_body) {
    co_return s3_status(
        S3Error::kMalformedXML,
        "the XML body is larger than " + std::to_string(options_.max_xml_body) + " bytes");
  }
  std::string out;
  for (;;) {
    Result<Buffer> b = co_await body->next(64 * 1024);
    if (!b.is_ok()) co_return b.status();
    if (b->empty()) break;
    if (out.size() + b->size() > options_.max_xml_body) {
      co_return s3_status(S3Error::kMalformedXML, "the XML body is too large");
    }
    out.append(b->view());
  }
  SKY_CO_RETURN_IF_ERROR(verify_xml_digests(ctx, body->trailers(), out));
  co_return out;
}

Result<std::unique_ptr<RequestBody>> S3RequestIo::open_body(S3Context& ctx) const {
  SKY_ASSIGN_OR_RETURN(auto body, RequestBody::open(ctx.http, ctx.auth, options_.max_put_size));
  if (body->expected_size() && *body->expected_size() > options_.max_put_size) {
    return s3_status(S3Error::kEntityTooLarge,
                     "your proposed upload exceeds the maximum allowed size");
  }
  return body;
}

Task<Result<services::ObjectInfo>> S3RequestIo::stream_into(RequestBody& body,
                                                            services::ObjectWriter& writer) const {
  using namespace boost::asio::experimental::awaitable_operators;
  // The next body piece is received while the current one is stored, so the
  // network and the disk work at the same time.
  Status failure;
  Piece cur = co_await next_piece(body, options_.stream_buffer);
  for (;;) {
    Result<Buffer>& buf = *cur.got;
    if (!buf.is_ok()) {
      failure = buf.status();
      break;
    }
    if (buf->empty()) break;
    if (body.bytes() > options_.max_put_size) {
      failure = s3_status(S3Error::kEntityTooLarge,
                          "your proposed upload exceeds the maximum allowed size");
      break;
    }
    std::tuple<Status, Piece> both =
        co_await (write_piece(writer, std::move(*buf)) && next_piece(body, options_.stream_buffer));
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

Result<services::PutOptions> S3RequestIo::put_options(const S3Context& ctx, bool for_part) const {
  services::PutOptions o;
  SKY_RETURN_IF_ERROR(read_digests(ctx, &o));
  if (for_part) {
    SKY_ASSIGN_OR_RETURN(o.sse.customer_key, read_customer_key(ctx, options_, kCustomerKeyHeaders));
    return o;
  }
  SKY_ASSIGN_OR_RETURN(o.sse, read_sse_request(ctx, options_));
  SKY_RETURN_IF_ERROR(read_metadata_and_tags(ctx, options_.max_metadata_bytes, &o));
  auto header = [&](std::string_view name) { return ctx.header(name); };
  SKY_RETURN_IF_ERROR(read_content_and_class(header, &o));
  o.content.content_encoding = without_aws_chunked(o.content.content_encoding);
  if (auto v = ctx.header("if-match")) o.if_match = parse_etag_list(*v);
  if (auto v = ctx.header("if-none-match")) o.if_none_match = parse_etag_list(*v);
  SKY_ASSIGN_OR_RETURN(auto acl,
                       acl_from_headers(ctx.http));  // x-amz-acl, x-amz-grant-*
  if (acl) {
    if (ctx.access)
      SKY_RETURN_IF_ERROR(check_acl_allowed(ctx.header("x-amz-acl"), *acl, *ctx.access));
    o.acl = std::move(*acl);
  }
  SKY_RETURN_IF_ERROR(read_object_lock(ctx, &o));
  return o;
}

void S3RequestIo::object_headers(const S3Context& ctx, const services::ObjectInfo& info,
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
  if (info.lock.mode != services::RetentionMode::kNone) {
    r.set("x-amz-object-lock-mode", std::string(retention_mode_name(info.lock.mode)));
    r.set("x-amz-object-lock-retain-until-date",
          format_iso8601(from_ns(info.lock.retain_until_ns)));
  }
  if (info.lock.legal_hold) r.set("x-amz-object-lock-legal-hold", "ON");
  set_sse_headers(ctx, info.sse, r);
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

}  // namespace skyarray::s3
