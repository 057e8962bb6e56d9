#include "protocols/s3client/s3_cloud_target.h"

#include <time.h>

#include <boost/asio/io_context.hpp>
#include <pugixml.hpp>

#include <sstream>

#include "common/ascii.h"
#include "common/checksum.h"
#include "common/encoding.h"
#include "common/time.h"
#include "protocols/auth/sigv4.h"
#include "protocols/client/http_client.h"
#include "protocols/client/sigv4_signer.h"

namespace skyarray::s3client {

using services::CloudListPage;
using services::CloudObjectAttrs;
using services::CloudObjectHead;
using services::CloudPart;

namespace {

// Whitespace-only text is kept: a key or tag value " " is not "".
constexpr unsigned kXmlParse = pugi::parse_default | pugi::parse_ws_pcdata;

std::string trim_quotes(std::string_view s) {
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  return std::string(s);
}

// A time the server sent as nanoseconds since the epoch; 0 when unreadable.
int64_t time_ns(std::optional<Timestamp> t) {
  return t ? to_ns(*t) : 0;
}

std::string be32(uint32_t v) {
  std::string out(4, '\0');
  for (int i = 0; i < 4; ++i) out[i] = static_cast<char>(v >> (24 - 8 * i));
  return out;
}

// The one table from an S3 error answer to a StatusCode.
Status error_status(const http::ClientResponse& res, std::string_view what) {
  std::string code;
  std::string message;
  pugi::xml_document doc;
  if (!res.body.empty() && doc.load_buffer(res.body.data(), res.body.size(), kXmlParse)) {
    code = doc.child("Error").child_value("Code");
    message = doc.child("Error").child_value("Message");
  }
  std::string text = std::string(what) + ": HTTP " + std::to_string(res.status) +
                     (code.empty() ? "" : " " + code) +
                     (message.empty() ? "" : " (" + message + ")");
  if (code == "NoSuchKey" || (code.empty() && res.status == 404)) return Status::not_found(text);
  if (code == "NoSuchBucket") return Status(StatusCode::kBucketNotFound, text);
  if (code == "NoSuchUpload") return Status(StatusCode::kNoSuchUpload, text);
  if (code == "BadDigest" || code == "InvalidDigest" || code == "XAmzContentChecksumMismatch")
    return Status(StatusCode::kBadDigest, text);
  if (res.status == 401 || res.status == 403) return Status::permission_denied(text);
  if (res.status >= 500 || code == "SlowDown" || res.status == 429)
    return Status::unavailable(text);
  return Status::invalid_argument(text);
}

std::string tagging_query(const std::map<std::string, std::string>& tags) {
  std::string out;
  for (const auto& [k, v] : tags) {
    if (!out.empty()) out += '&';
    out += auth::uri_encode(k, true) + "=" + auth::uri_encode(v, true);
  }
  return out;
}

void add_attrs(http::ClientRequest& req, const CloudObjectAttrs& a) {
  auto add = [&](const char* name, const std::string& v) {
    if (!v.empty()) req.headers.emplace_back(name, v);
  };
  add("Content-Type", a.content_type);
  add("Content-Encoding", a.content_encoding);
  add("Content-Disposition", a.content_disposition);
  add("Cache-Control", a.cache_control);
  for (const auto& [k, v] : a.user_metadata) req.headers.emplace_back("x-amz-meta-" + k, v);
  if (!a.tags.empty()) req.headers.emplace_back("x-amz-tagging", tagging_query(a.tags));
  if (!a.lock_mode.empty()) {
    req.headers.emplace_back("x-amz-object-lock-mode", a.lock_mode);
    req.headers.emplace_back("x-amz-object-lock-retain-until-date",
                             format_iso8601(from_ns(a.lock_retain_until_ns)));
  }
  if (a.lock_legal_hold) req.headers.emplace_back("x-amz-object-lock-legal-hold", "ON");
}

class S3CloudTarget : public services::CloudTarget {
 public:
  S3CloudTarget(boost::asio::io_context& io, http::HttpClientOptions http_options,
                const services::CloudTargetConfig& c)
      : client_(io, std::move(http_options)),
        signer_(s3::SigningCredentials{c.access_key, c.secret_key, {}}, c.region),
        bucket_path_(c.path_style ? "/" + auth::uri_encode(c.bucket, true) : ""),
        flexible_(c.flexible_checksums) {}

  Task<Result<std::string>> put_object(const std::string& key, const CloudObjectAttrs& attrs,
                                       std::string& body, const std::string& md5,
                                       uint32_t crc) override {
    http::ClientRequest req = make("PUT", object_path(key));
    add_attrs(req, attrs);
    add_digests(req, md5, crc);
    req.body = std::move(body);
    SKY_CO_ASSIGN_OR_RETURN(auto res, co_await send(std::move(req), kDigestedPayload));
    if (res.status != 200) co_return error_status(res, "PUT " + key);
    co_return check_etag(res, md5, key);
  }

  Task<Result<std::string>> create_multipart(const std::string& key,
                                             const CloudObjectAttrs& attrs) override {
    http::ClientRequest req = make("POST", object_path(key) + "?uploads=");
    add_attrs(req, attrs);
    if (flexible_) req.headers.emplace_back("x-amz-checksum-algorithm", "CRC32C");
    SKY_CO_ASSIGN_OR_RETURN(auto res, co_await send(std::move(req)));
    if (res.status != 200) co_return error_status(res, "CreateMultipartUpload " + key);
    pugi::xml_document doc;
    doc.load_buffer(res.body.data(), res.body.size(), kXmlParse);
    std::string id = doc.child("InitiateMultipartUploadResult").child_value("UploadId");
    if (id.empty()) co_return Status::unavailable("CreateMultipartUpload: no UploadId in answer");
    co_return id;
  }

  Task<Result<std::string>> upload_part(const std::string& key, const std::string& upload_id,
                                        uint32_t number, std::string& body, const std::string& md5,
                                        uint32_t crc) override {
    http::ClientRequest req =
        make("PUT", object_path(key) + "?partNumber=" + std::to_string(number) +
                        "&uploadId=" + auth::uri_encode(upload_id, true));
    add_digests(req, md5, crc);
    req.body = std::move(body);
    SKY_CO_ASSIGN_OR_RETURN(auto res, co_await send(std::move(req), kDigestedPayload));
    if (res.status != 200) co_return error_status(res, "UploadPart " + key);
    co_return check_etag(res, md5, key);
  }

  Task<Result<std::string>> complete_multipart(const std::string& key, const std::string& upload_id,
                                               const std::vector<CloudPart>& parts) override {
    std::string xml = "<CompleteMultipartUpload>";
    for (const auto& p : parts) {
      xml += "<Part><PartNumber>" + std::to_string(p.number) + "</PartNumber><ETag>\"" + p.etag +
             "\"</ETag></Part>";
    }
    xml += "</CompleteMultipartUpload>";
    http::ClientRequest req =
        make("POST", object_path(key) + "?uploadId=" + auth::uri_encode(upload_id, true));
    req.headers.emplace_back("Content-Type", "application/xml");
    req.body = std::move(xml);
    SKY_CO_ASSIGN_OR_RETURN(auto res, co_await send(std::move(req)));
    if (res.status != 200) co_return error_status(res, "CompleteMultipartUpload " + key);
    // S3 may answer 200 and put the error in the body.
    pugi::xml_document doc;
    doc.load_buffer(res.body.data(), res.body.size(), kXmlParse);
    if (doc.child("Error")) {
      http::ClientResponse as_error = res;
      as_error.status = 500;
      co_return error_status(as_error, "CompleteMultipartUpload " + key);
    }
    co_return trim_quotes(doc.child("CompleteMultipartUploadResult").child_value("ETag"));
  }

  Task<Status> abort_multipart(const std::string& key, const std::string& upload_id) override {
    http::ClientRequest req =
        make("DELETE", object_path(key) + "?uploadId=" + auth::uri_encode(upload_id, true));
    auto res = co_await send(std::move(req));
    if (!res.is_ok()) co_return res.status();
    if (res->status != 204 && res->status != 200 && res->status != 404)
      co_return error_status(*res, "AbortMultipartUpload " + key);
    co_return Status::ok();
  }

  Task<Result<CloudObjectHead>> head(const std::string& key) override {
    http::ClientRequest req = make("HEAD", object_path(key));
    SKY_CO_ASSIGN_OR_RETURN(auto res, co_await send(std::move(req)));
    if (res.status != 200) co_return error_status(res, "HEAD " + key);
    CloudObjectHead h;
    for (const auto& [k, v] : res.headers) {
      std::string lk = ascii_lower(k);
      if (lk == "content-length")
        h.size = std::stoull(v);
      else if (lk == "etag")
        h.etag = trim_quotes(v);
      else if (lk == "last-modified")
        h.mtime_ns = time_ns(parse_http_date(v));
      else if (lk == "content-type")
        h.attrs.content_type = v;
      else if (lk == "content-encoding")
        h.attrs.content_encoding = v;
      else if (lk == "content-disposition")
        h.attrs.content_disposition = v;
      else if (lk == "cache-control")
        h.attrs.cache_control = v;
      else if (lk.starts_with("x-amz-meta-"))
        h.attrs.user_metadata[lk.substr(11)] = v;
    }
    co_return h;
  }

  Task<Result<std::string>> get(const std::string& key, uint64_t first, uint64_t length) override {
    http::ClientRequest req = make("GET", object_path(key));
    if (first || length) {
      req.headers.emplace_back("Range",
                               "bytes=" + std::to_string(first) + "-" +
                                   (length ? std::to_string(first + length - 1) : std::string()));
    }
    SKY_CO_ASSIGN_OR_RETURN(auto res, co_await send(std::move(req)));
    if (res.status != 200 && res.status != 206) co_return error_status(res, "GET " + key);
    co_return std::move(res.body);
  }

  Task<Result<std::map<std::string, std::string>>> get_tags(const std::string& key) override {
    http::ClientRequest req = make("GET", object_path(key) + "?tagging=");
    SKY_CO_ASSIGN_OR_RETURN(auto res, co_await send(std::move(req)));
    std::map<std::string, std::string> tags;
    if (res.status == 501 || res.status == 404) co_return tags;  // not supported / none
    if (res.status != 200) co_return error_status(res, "GetObjectTagging " + key);
    pugi::xml_document doc;
    doc.load_buffer(res.body.data(), res.body.size(), kXmlParse);
    for (auto tag : doc.child("Tagging").child("TagSet").children("Tag")) {
      tags[tag.child_value("Key")] = tag.child_value("Value");
    }
    co_return tags;
  }

  Task<Status> put_tags(const std::string& key,
                        const std::map<std::string, std::string>& tags) override {
    pugi::xml_document doc;
    auto set = doc.append_child("Tagging").append_child("TagSet");
    for (const auto& [k, v] : tags) {
      auto tag = set.append_child("Tag");
      tag.append_child("Key").text().set(k.c_str());
      tag.append_child("Value").text().set(v.c_str());
    }
    std::ostringstream xml;
    doc.save(xml, "", pugi::format_raw | pugi::format_no_declaration);
    http::ClientRequest req = make("PUT", object_path(key) + "?tagging=");
    req.body = xml.str();
    auto md5 = Checksum::create(ChecksumAlgorithm::kMd5);
    if (!md5.is_ok()) co_return md5.status();
    (*md5)->update(req.body);
    req.headers.emplace_back("Content-MD5", base64_encode((*md5)->finish()));
    req.headers.emplace_back("Content-Type", "application/xml");
    SKY_CO_ASSIGN_OR_RETURN(auto res, co_await send(std::move(req)));
    if (res.status != 200 && res.status != 204)
      co_return error_status(res, "PutObjectTagging " + key);
    co_return Status::ok();
  }

  Task<Status> remove(const std::string& key) override {
    http::ClientRequest req = make("DELETE", object_path(key));
    auto res = co_await send(std::move(req));
    if (!res.is_ok()) co_return res.status();
    if (res->status != 204 && res->status != 200 && res->status != 404)
      co_return error_status(*res, "DELETE " + key);
    co_return Status::ok();
  }

  Task<Result<CloudListPage>> list(const std::string& prefix, const std::string& token,
                                   const std::string& start_after) override {
    std::string target = bucket_path_ + "/?list-type=2&prefix=" + auth::uri_encode(prefix, true);
    if (!token.empty()) target += "&continuation-token=" + auth::uri_encode(token, true);
    if (!start_after.empty()) target += "&start-after=" + auth::uri_encode(start_after, true);
    http::ClientRequest req = make("GET", target);
    SKY_CO_ASSIGN_OR_RETURN(auto res, co_await send(std::move(req)));
    if (res.status != 200) co_return error_status(res, "ListObjectsV2 " + prefix);
    pugi::xml_document doc;
    if (!doc.load_buffer(res.body.data(), res.body.size(), kXmlParse))
      co_return Status::unavailable("ListObjectsV2: unreadable XML answer");
    auto root = doc.child("ListBucketResult");
    CloudListPage page;
    for (auto c : root.children("Contents")) {
      services::CloudListEntry e;
      e.key = c.child_value("Key");
      e.size = std::strtoull(c.child_value("Size"), nullptr, 10);
      e.etag = trim_quotes(c.child_value("ETag"));
      e.mtime_ns = time_ns(parse_iso8601(c.child_value("LastModified")));
      page.entries.push_back(std::move(e));
    }
    if (std::string_view(root.child_value("IsTruncated")) == "true")
      page.next_token = root.child_value("NextContinuationToken");
    co_return page;
  }

  Task<Result<services::CloudObjectLock>> object_lock() override {
    using services::CloudObjectLock;
    http::ClientRequest req = make("GET", bucket_path_ + "/?object-lock=");
    SKY_CO_ASSIGN_OR_RETURN(auto res, co_await send(std::move(req)));
    pugi::xml_document doc;
    doc.load_buffer(res.body.data(), res.body.size(), kXmlParse);
    if (res.status == 200) {
      std::string_view on = doc.child("ObjectLockConfiguration").child_value("ObjectLockEnabled");
      co_return on == "Enabled" ? CloudObjectLock::kEnabled : CloudObjectLock::kNotEnabled;
    }
    std::string_view code = doc.child("Error").child_value("Code");
    if (code == "ObjectLockConfigurationNotFoundError") co_return CloudObjectLock::kNotEnabled;
    // What cannot be told: no bucket, no access, the server is down.
    if (code == "NoSuchBucket" || res.status == 401 || res.status == 403 ||
        (res.status >= 500 && res.status != 501) || res.status == 429 || code == "SlowDown")
      co_return error_status(res, "GetObjectLockConfiguration");
    // 501 NotImplemented, 400, 405, a 404 of a server that does not route
    // ?object-lock: the server cannot lock objects.
    co_return CloudObjectLock::kUnsupported;
  }

 private:
  std::string object_path(const std::string& key) const {
    return bucket_path_ + "/" + auth::uri_encode(key, false);
  }

  http::ClientRequest make(std::string method, std::string target) const {
    http::ClientRequest req;
    req.method = std::move(method);
    req.target = std::move(target);
    return req;
  }

  void add_digests(http::ClientRequest& req, const std::string& md5, uint32_t crc) const {
    req.headers.emplace_back("Content-MD5", base64_encode(md5));
    if (flexible_) req.headers.emplace_back("x-amz-checksum-crc32c", base64_encode(be32(crc)));
  }

  // The cloud's ETag of a single-part upload is the MD5 we sent: a different
  // one means the bytes it stored are not ours.
  Result<std::string> check_etag(const http::ClientResponse& res, const std::string& md5,
                                 const std::string& key) const {
    auto etag = res.header("ETag");
    std::string got = etag ? trim_quotes(*etag) : std::string();
    if (got != hex_encode(md5)) {
      return Status(StatusCode::kBadDigest, "cloud answered ETag '" + got + "' for " + key +
                                                ", expected MD5 " + hex_encode(md5));
    }
    return got;
  }

  // Bodies sent with add_digests() are signed as UNSIGNED-PAYLOAD: the
  // signed Content-MD5 header already binds the body to the signature (the
  // cloud refuses a body that does not match it), and a SHA-256 of every
  // byte uploaded would cost more CPU than the upload's own I/O.
  static constexpr std::string_view kDigestedPayload = "UNSIGNED-PAYLOAD";

  Task<Result<http::ClientResponse>> send(http::ClientRequest req,
                                          std::string_view payload_hash = {}) {
    signer_.sign(req, client_.host_header(), std::chrono::system_clock::now(), payload_hash);
    co_return co_await client_.request(std::move(req), 80ull << 20);
  }

  http::HttpClient client_;
  s3::SigV4Signer signer_;
  std::string bucket_path_;
  bool flexible_;
};

}  // namespace

Result<std::unique_ptr<services::CloudTarget>> make_s3_cloud_target(
    boost::asio::io_context& io, const services::CloudTargetConfig& config) {
  SKY_RETURN_IF_ERROR(config.validate());
  http::HttpClientOptions options;
  options.endpoint = config.endpoint;
  if (!config.path_style) {
    auto scheme_end = options.endpoint.find("://") + 3;
    options.endpoint.insert(scheme_end, config.bucket + ".");
  }
  options.ca_file = config.ca_file;
  options.timeout_seconds = 120;
  options.max_idle_connections = 16;
  return std::unique_ptr<services::CloudTarget>(new S3CloudTarget(io, options, config));
}

}  // namespace skyarray::s3client
