#include "protocols/s3/sigv2.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <ctime>
#include <map>
#include <vector>

#include "common/ascii.h"
#include "common/encoding.h"
#include "protocols/s3/s3_errors.h"
#include "protocols/s3/s3_request.h"

namespace skyarray::s3 {

namespace {

// Sorted, for binary search. AWS documents acl, cors, delete, lifecycle,
// location, logging, notification, partNumber, policy, requestPayment,
// response-*, restore, tagging, torrent, uploadId, uploads, versionId,
// versioning, versions and website; botocore's HmacV1 signer (which S3
// accepts) adds the others.
constexpr std::array<std::string_view, 35> kSignedSubresources = {
    "accelerate",
    "acl",
    "analytics",
    "cors",
    "defaultObjectAcl",
    "delete",
    "inventory",
    "lifecycle",
    "location",
    "logging",
    "metrics",
    "notification",
    "object-lock",
    "partNumber",
    "policy",
    "replication",
    "requestPayment",
    "response-cache-control",
    "response-content-disposition",
    "response-content-encoding",
    "response-content-language",
    "response-content-type",
    "response-expires",
    "restore",
    "select",
    "select-type",
    "storageClass",
    "tagging",
    "torrent",
    "uploadId",
    "uploads",
    "versionId",
    "versioning",
    "versions",
    "website",
};

constexpr std::string_view kDisabled =
    "the authorization mechanism you have provided is not supported; please use "
    "AWS4-HMAC-SHA256 (Signature Version 2 is disabled on this server)";

bool is_signed_subresource(std::string_view name) {
  return std::binary_search(kSignedSubresources.begin(), kSignedSubresources.end(), name);
}

// HTTP dates as S3 accepts them for SigV2: RFC 1123 / RFC 850 / asctime, and
// RFC 1123 with a numeric zone ("Tue, 27 Mar 2007 19:36:42 +0000", the form
// AWS's own examples use).
std::optional<std::chrono::system_clock::time_point> parse_request_time(std::string_view v) {
  v = trim(v);
  if (auto t = parse_http_date(v)) return *t;
  if (v.size() < 6) return std::nullopt;
  std::string_view zone = v.substr(v.size() - 5);
  if ((zone[0] != '+' && zone[0] != '-') || v[v.size() - 6] != ' ') return std::nullopt;
  int hhmm = 0;
  auto [p, ec] = std::from_chars(zone.data() + 1, zone.data() + 5, hhmm);
  if (ec != std::errc() || p != zone.data() + 5 || hhmm % 100 > 59 || hhmm / 100 > 23) {
    return std::nullopt;
  }
  std::string local(v.substr(0, v.size() - 6));
  std::tm tm{};
  const char* end = strptime(local.c_str(), "%a, %d %b %Y %H:%M:%S", &tm);
  // Years beyond 2200 would overflow system_clock's nanoseconds.
  if (end == nullptr || *end != 0 || tm.tm_year < 70 || tm.tm_year > 300) return std::nullopt;
  auto offset = std::chrono::minutes((hhmm / 100) * 60 + hhmm % 100);
  auto t = std::chrono::system_clock::from_time_t(timegm(&tm));
  return zone[0] == '+' ? t - offset : t + offset;
}

Result<auth::AuthRequest> parse_header_form(std::string_view authz,
                                            const auth::SignableRequest& request) {
  auth::AuthRequest a;
  a.kind = auth::AuthKind::kHeader;
  a.version = auth::SignatureVersion::kV2;
  std::string_view cred = trim(authz.substr(4));
  size_t colon = cred.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == cred.size()) {
    return s3_status(S3Error::kInvalidArgument,
                     "AWS authorization header is invalid; expected AwsAccessKeyId:signature");
  }
  a.access_key = std::string(cred.substr(0, colon));
  a.signature = std::string(cred.substr(colon + 1));
  std::optional<std::string_view> when = auth::find_header(request.headers, "x-amz-date");
  if (!when) when = auth::find_header(request.headers, "date");
  auto t = when ? parse_request_time(*when) : std::nullopt;
  if (!t) {
    return s3_status(S3Error::kAccessDenied,
                     "AWS authentication requires a valid Date or x-amz-date header");
  }
  a.amz_date = auth::format_amz_date(*t);
  return a;
}

Result<auth::AuthRequest> parse_query_form(const auth::SignableRequest& request) {
  auth::AuthRequest a;
  a.kind = auth::AuthKind::kPresigned;
  a.version = auth::SignatureVersion::kV2;
  auto key = auth::find_query(request.query, "AWSAccessKeyId");
  auto sig = auth::find_query(request.query, "Signature");
  auto expires = auth::find_query(request.query, "Expires");
  if (!key || !sig || !expires || key->empty() || sig->empty()) {
    return s3_status(S3Error::kAccessDenied,
                     "query-string authentication requires the Signature, Expires and "
                     "AWSAccessKeyId parameters");
  }
  a.access_key = std::string(*key);
  a.signature = std::string(*sig);
  auto [p, ec] =
      std::from_chars(expires->data(), expires->data() + expires->size(), a.expires_seconds);
  if (ec != std::errc() || p != expires->data() + expires->size() || a.expires_seconds < 0) {
    return s3_status(S3Error::kAccessDenied, "invalid date (should be seconds since epoch)");
  }
  return a;
}

// Values of every x-amz-* header (and, presigned, query parameter), by
// lower-case name, in arrival order.
std::map<std::string, std::vector<std::string_view>> amz_headers(
    const auth::SignableRequest& request, bool presigned) {
  std::map<std::string, std::vector<std::string_view>> out;
  for (const auto& [k, v] : request.headers) {
    if (istarts_with(k, "x-amz-")) out[ascii_lower(k)].push_back(trim(v));
  }
  if (presigned) {
    for (const auto& [k, v] : request.query) {
      if (k.rfind("x-amz-", 0) == 0) out[k].push_back(trim(v));
    }
  }
  return out;
}

}  // namespace

std::span<const std::string_view> sigv2_signed_subresources() {
  return kSignedSubresources;
}

bool is_sigv2_auth_parameter(std::string_view name) {
  return name == "AWSAccessKeyId" || name == "Signature" || name == "Expires";
}

bool is_sigv2(const auth::SignableRequest& request) {
  if (auto authz = auth::find_header(request.headers, "authorization")) {
    return trim(*authz).substr(0, 4) == "AWS ";
  }
  if (auth::find_query(request.query, "X-Amz-Algorithm")) return false;
  return auth::find_query(request.query, "AWSAccessKeyId") ||
         auth::find_query(request.query, "Signature");
}

Result<auth::AuthRequest> parse_sigv2(const auth::SignableRequest& request, bool enabled) {
  if (!enabled) return s3_status(S3Error::kInvalidRequest, std::string(kDisabled));
  Result<auth::AuthRequest> a = [&]() -> Result<auth::AuthRequest> {
    if (auto authz = auth::find_header(request.headers, "authorization")) {
      return parse_header_form(trim(*authz), request);
    }
    return parse_query_form(request);
  }();
  if (!a.is_ok()) return a;
  a->payload_hash = "UNSIGNED-PAYLOAD";
  a->payload = auth::PayloadMode::kUnsigned;
  if (auto h = auth::find_header(request.headers, "x-amz-content-sha256")) {
    a->payload_hash = std::string(trim(*h));
    SKY_ASSIGN_OR_RETURN(a->payload, auth::parse_payload_mode(a->payload_hash));
    if (a->payload == auth::PayloadMode::kStreamingSigned ||
        a->payload == auth::PayloadMode::kStreamingSignedTrailer) {
      return s3_status(S3Error::kInvalidRequest,
                       "signed aws-chunked payloads need AWS4-HMAC-SHA256 (Signature Version 4)");
    }
  }
  return a;
}

Result<auth::AuthResult> verify_sigv2(const auth::AuthRequest& auth,
                                      const auth::SignableRequest& request,
                                      std::string_view canonical_resource, std::string_view secret,
                                      std::chrono::system_clock::time_point now) {
  if (auth.kind == auth::AuthKind::kAnonymous || auth.version != auth::SignatureVersion::kV2) {
    return s3_status(S3Error::kAccessDenied, "not a Signature Version 2 request");
  }
  const bool presigned = auth.kind == auth::AuthKind::kPresigned;
  if (presigned) {
    auto expires = std::chrono::system_clock::time_point(std::chrono::seconds(
        std::min<int64_t>(auth.expires_seconds, int64_t{1} << 33)));  // year 2242: no overflow
    if (now > expires) return s3_status(S3Error::kAccessDenied, "Request has expired");
  } else {
    auto when = auth::parse_amz_date(auth.amz_date);
    if (!when) {
      return s3_status(S3Error::kAccessDenied,
                       "AWS authentication requires a valid Date or x-amz-date header");
    }
    if (*when > now + auth::kMaxClockSkew || *when < now - auth::kMaxClockSkew) {
      return s3_status(
          S3Error::kRequestTimeTooSkewed,
          "the difference between the request time and the server's time is too large");
    }
  }
  std::string expected = base64_encode(
      hmac_sha1(secret, sigv2_string_to_sign(request, presigned, canonical_resource)));
  if (!auth::constant_time_equals(expected, auth.signature)) {
    return s3_status(S3Error::kSignatureDoesNotMatch,
                     "the request signature we calculated does not match the signature you "
                     "provided; check your key and signing method");
  }
  auth::AuthResult r;
  r.access_key = auth.access_key;
  r.kind = auth.kind;
  r.version = auth::SignatureVersion::kV2;
  r.payload = auth.payload;
  if (auth.payload == auth::PayloadMode::kSha256) r.payload_sha256 = ascii_lower(auth.payload_hash);
  return r;
}

std::string sigv2_canonical_resource(std::string_view virtual_bucket, std::string_view raw_path,
                                     std::string_view raw_query) {
  std::string out;
  if (!virtual_bucket.empty()) {
    out += '/';
    out += virtual_bucket;
  }
  out += raw_path.empty() ? std::string_view("/") : raw_path;
  // A bucket itself is "/bucket/" in path style too ("PUT /bucket" signs
  // "/bucket/"), as botocore and s3cmd sign it and S3 accepts it.
  if (virtual_bucket.empty() && out.size() > 1 && out.find('/', 1) == std::string::npos) {
    out += '/';
  }
  // (name, "=value" or "" when sent without '='), stable-sorted by name.
  std::vector<std::pair<std::string_view, std::string>> signed_params;
  size_t start = 0;
  while (start < raw_query.size()) {
    size_t amp = raw_query.find('&', start);
    if (amp == std::string_view::npos) amp = raw_query.size();
    std::string_view item = raw_query.substr(start, amp - start);
    start = amp + 1;
    size_t eq = item.find('=');
    std::string_view name = item.substr(0, eq);
    if (!is_signed_subresource(name)) continue;
    std::string value;
    if (eq != std::string_view::npos) {
      std::string_view raw = item.substr(eq + 1);
      auto decoded = auth::percent_decode(raw);
      value = "=" + (decoded.is_ok() ? *decoded : std::string(raw));
    }
    signed_params.emplace_back(name, std::move(value));
  }
  std::stable_sort(signed_params.begin(), signed_params.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (size_t i = 0; i < signed_params.size(); ++i) {
    out += i == 0 ? '?' : '&';
    out += signed_params[i].first;
    out += signed_params[i].second;
  }
  return out;
}

std::string sigv2_string_to_sign(const auth::SignableRequest& request, bool presigned,
                                 std::string_view canonical_resource) {
  auto positional = [&](std::string_view name) -> std::string_view {
    if (auto h = auth::find_header(request.headers, name)) return trim(*h);
    if (presigned) {
      if (auto q = auth::find_query(request.query, name)) return trim(*q);
    }
    return {};
  };
  std::string out = request.method;
  out += '\n';
  out += positional("content-md5");
  out += '\n';
  out += positional("content-type");
  out += '\n';
  if (presigned) {
    out += auth::find_query(request.query, "Expires").value_or("");
  } else if (!auth::find_header(request.headers, "x-amz-date")) {
    if (auto d = auth::find_header(request.headers, "date")) out += trim(*d);
  }
  out += '\n';
  for (const auto& [name, values] : amz_headers(request, presigned)) {
    out += name;
    out += ':';
    for (size_t i = 0; i < values.size(); ++i) {
      if (i > 0) out += ',';
      out += values[i];
    }
    out += '\n';
  }
  out += canonical_resource;
  return out;
}

std::string hmac_sha1(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &n);
  return std::string(reinterpret_cast<char*>(out), n);
}

}  // namespace skyarray::s3
