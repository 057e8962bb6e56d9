#include "protocols/auth/sigv4.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <algorithm>
#include <charconv>
#include <ctime>
#include <unordered_map>

#include "common/ascii.h"
#include "common/encoding.h"
#include "protocols/auth/auth_error.h"

namespace skyarray::auth {

namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

// Trims and collapses runs of spaces, as the canonical header value requires.
std::string canonical_value(std::string_view v) {
  v = trim(v);
  std::string out;
  out.reserve(v.size());
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

bool is_hex_sha256(std::string_view s) {
  if (s.size() != 64) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return hex_digit_value(c) >= 0; });
}

// "AKID/20130524/us-east-1/s3/aws4_request"
Status parse_credential(std::string_view cred, AuthRequest* out, AuthError malformed) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (;;) {
    size_t slash = cred.find('/', start);
    parts.push_back(
        cred.substr(start, slash == std::string_view::npos ? cred.npos : slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  if (parts.size() != 5 || parts[0].empty() || parts[1].size() != 8 || parts[4] != "aws4_request") {
    return auth_status(malformed,
                       "the Credential is mal-formed; expecting "
                       "\"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\"");
  }
  if (parts[3] != "s3") {
    return auth_status(malformed, "the service in the credential scope must be 's3'");
  }
  out->access_key = std::string(parts[0]);
  out->date = std::string(parts[1]);
  out->region = std::string(parts[2]);
  out->service = std::string(parts[3]);
  return Status::ok();
}

std::vector<std::string> split_signed_headers(std::string_view s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t semi = s.find(';', start);
    if (semi == std::string_view::npos) semi = s.size();
    if (semi > start) out.push_back(ascii_lower(s.substr(start, semi - start)));
    start = semi + 1;
  }
  return out;
}

// RFC 1123 Date header → amz date, for clients that sign Date, not x-amz-date.
std::optional<std::string> amz_date_from_http_date(std::string_view v) {
  std::tm tm{};
  std::string s(v);
  const char* end = strptime(s.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (end == nullptr || *end != 0 || tm.tm_year < 70 || tm.tm_year > 300) return std::nullopt;
  return format_amz_date(std::chrono::system_clock::from_time_t(timegm(&tm)));
}

Result<AuthRequest> parse_header_auth(std::string_view authz, const SignableRequest& request) {
  AuthRequest a;
  a.kind = AuthKind::kHeader;
  std::string_view rest = trim(authz.substr(kAlgorithm.size()));
  bool have_cred = false, have_headers = false, have_sig = false;
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    std::string_view item = trim(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    size_t eq = item.find('=');
    if (eq == std::string_view::npos) {
      return auth_status(AuthError::kAuthorizationHeaderMalformed,
                         "the authorization header is malformed: '" + std::string(item) + "'");
    }
    std::string_view k = trim(item.substr(0, eq)), v = trim(item.substr(eq + 1));
    if (k == "Credential") {
      SKY_RETURN_IF_ERROR(parse_credential(v, &a, AuthError::kAuthorizationHeaderMalformed));
      have_cred = true;
    } else if (k == "SignedHeaders") {
      a.signed_headers = split_signed_headers(v);
      have_headers = true;
    } else if (k == "Signature") {
      a.signature = ascii_lower(v);
      have_sig = true;
    }
  }
  if (!have_cred || !have_headers || !have_sig) {
    return auth_status(AuthError::kAuthorizationHeaderMalformed,
                       "the authorization header needs Credential, SignedHeaders and Signature");
  }
  if (auto d = find_header(request.headers, "x-amz-date")) {
    a.amz_date = std::string(trim(*d));
  } else if (auto hd = find_header(request.headers, "date")) {
    auto conv = amz_date_from_http_date(trim(*hd));
    if (!conv)
      return auth_status(AuthError::kAccessDenied, "the Date header is not a valid HTTP date");
    a.amz_date = *conv;
  } else {
    return auth_status(AuthError::kAccessDenied,
                       "AWS authentication requires a valid Date or x-amz-date header");
  }
  auto payload = find_header(request.headers, "x-amz-content-sha256");
  if (!payload) {
    return auth_status(AuthError::kInvalidRequest,
                       "missing required header for this request: x-amz-content-sha256");
  }
  a.payload_hash = std::string(trim(*payload));
  SKY_ASSIGN_OR_RETURN(a.payload, parse_payload_mode(a.payload_hash));
  return a;
}

Result<AuthRequest> parse_query_auth(const SignableRequest& request) {
  AuthRequest a;
  a.kind = AuthKind::kPresigned;
  auto alg = find_query(request.query, "X-Amz-Algorithm");
  auto cred = find_query(request.query, "X-Amz-Credential");
  auto date = find_query(request.query, "X-Amz-Date");
  auto expires = find_query(request.query, "X-Amz-Expires");
  auto headers = find_query(request.query, "X-Amz-SignedHeaders");
  auto sig = find_query(request.query, "X-Amz-Signature");
  const AuthError bad = AuthError::kAuthorizationQueryParametersError;
  if (*alg != kAlgorithm) {
    return auth_status(bad, "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"");
  }
  if (!cred || !date || !expires || !headers || !sig) {
    return auth_status(bad,
                       "query-string authentication version 4 requires the X-Amz-Algorithm, "
                       "X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, "
                       "and X-Amz-Expires parameters");
  }
  SKY_RETURN_IF_ERROR(parse_credential(*cred, &a, bad));
  a.amz_date = std::string(*date);
  a.signed_headers = split_signed_headers(*headers);
  a.signature = ascii_lower(*sig);
  auto [p, ec] =
      std::from_chars(expires->data(), expires->data() + expires->size(), a.expires_seconds);
  if (ec != std::errc() || p != expires->data() + expires->size() || a.expires_seconds < 0) {
    return auth_status(bad, "X-Amz-Expires should be a number");
  }
  if (a.expires_seconds > kMaxPresignedExpiry) {
    return auth_status(bad,
                       "X-Amz-Expires must be less than a week (in seconds); that is, the "
                       "given X-Amz-Expires must be less than 604800 seconds");
  }
  a.payload_hash = "UNSIGNED-PAYLOAD";
  if (auto h = find_query(request.query, "X-Amz-Content-Sha256")) a.payload_hash = std::string(*h);
  SKY_ASSIGN_OR_RETURN(a.payload, parse_payload_mode(a.payload_hash));
  if (is_streaming(a.payload)) {
    return auth_status(bad, "streaming payloads cannot be presigned");
  }
  return a;
}

}  // namespace

std::optional<std::string_view> find_header(const HeaderPairs& headers, std::string_view name) {
  for (const auto& [k, v] : headers) {
    if (iequals(k, name)) return std::string_view(v);
  }
  return std::nullopt;
}

std::optional<std::string_view> find_query(const QueryList& query, std::string_view name) {
  for (const auto& [k, v] : query) {
    if (k == name) return std::string_view(v);
  }
  return std::nullopt;
}

Result<PayloadMode> parse_payload_mode(std::string_view v) {
  if (v == "UNSIGNED-PAYLOAD") return PayloadMode::kUnsigned;
  if (v == "STREAMING-AWS4-HMAC-SHA256-PAYLOAD") return PayloadMode::kStreamingSigned;
  if (v == "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER")
    return PayloadMode::kStreamingSignedTrailer;
  if (v == "STREAMING-UNSIGNED-PAYLOAD-TRAILER") return PayloadMode::kStreamingUnsignedTrailer;
  if (is_hex_sha256(v)) return PayloadMode::kSha256;
  return auth_status(AuthError::kInvalidArgument,
                     "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, "
                     "STREAMING-* or a hex SHA-256");
}

bool is_streaming(PayloadMode mode) {
  return mode == PayloadMode::kStreamingSigned || mode == PayloadMode::kStreamingSignedTrailer ||
         mode == PayloadMode::kStreamingUnsignedTrailer;
}

bool has_trailer(PayloadMode mode) {
  return mode == PayloadMode::kStreamingSignedTrailer ||
         mode == PayloadMode::kStreamingUnsignedTrailer;
}

std::string AuthRequest::scope() const {
  return date + "/" + region + "/" + service + "/aws4_request";
}

Result<AuthRequest> parse_auth(const SignableRequest& request) {
  if (auto authz = find_header(request.headers, "authorization")) {
    std::string_view v = trim(*authz);
    if (v.substr(0, kAlgorithm.size()) == kAlgorithm &&
        (v.size() == kAlgorithm.size() || v[kAlgorithm.size()] == ' ')) {
      return parse_header_auth(v, request);
    }
    if (v.substr(0, 4) == "AWS ") {
      return auth_status(AuthError::kInvalidRequest,
                         "Signature Version 2 is not supported; please use AWS4-HMAC-SHA256");
    }
    return auth_status(AuthError::kInvalidArgument,
                       "unsupported Authorization type; please use AWS4-HMAC-SHA256");
  }
  if (find_query(request.query, "X-Amz-Algorithm")) return parse_query_auth(request);
  if (find_query(request.query, "AWSAccessKeyId") && find_query(request.query, "Signature")) {
    return auth_status(AuthError::kInvalidRequest,
                       "Signature Version 2 is not supported; please use AWS4-HMAC-SHA256");
  }
  AuthRequest anonymous;
  anonymous.kind = AuthKind::kAnonymous;
  if (auto payload = find_header(request.headers, "x-amz-content-sha256")) {
    anonymous.payload_hash = std::string(trim(*payload));
    SKY_ASSIGN_OR_RETURN(anonymous.payload, parse_payload_mode(anonymous.payload_hash));
  }
  return anonymous;
}

Result<AuthResult> verify(const AuthRequest& auth, const SignableRequest& request,
                          std::string_view secret, std::chrono::system_clock::time_point now) {
  if (auth.kind == AuthKind::kAnonymous) {
    return auth_status(AuthError::kAccessDenied, "anonymous access is not allowed");
  }
  const bool presigned = auth.kind == AuthKind::kPresigned;
  auto when = parse_amz_date(auth.amz_date);
  if (!when) {
    return auth_status(
        presigned ? AuthError::kAuthorizationQueryParametersError : AuthError::kAccessDenied,
        "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"");
  }
  if (auth.amz_date.substr(0, 8) != auth.date) {
    return auth_status(AuthError::kSignatureDoesNotMatch,
                       "the credential scope date does not match the request date");
  }
  if (presigned) {
    if (*when > now + kMaxClockSkew) {
      return auth_status(AuthError::kAccessDenied, "request is not valid yet");
    }
    if (now > *when + std::chrono::seconds(auth.expires_seconds)) {
      return auth_status(AuthError::kAccessDenied, "Request has expired");
    }
  } else if (*when > now + kMaxClockSkew || *when < now - kMaxClockSkew) {
    return auth_status(
        AuthError::kRequestTimeTooSkewed,
        "the difference between the request time and the server's time is too large");
  }
  if (std::find(auth.signed_headers.begin(), auth.signed_headers.end(), "host") ==
      auth.signed_headers.end()) {
    return auth_status(presigned ? AuthError::kAuthorizationQueryParametersError
                                 : AuthError::kAuthorizationHeaderMalformed,
                       "the host header must be signed");
  }
  std::string creq = canonical_request(request, auth.signed_headers, auth.payload_hash, presigned);
  std::string key = signing_key(secret, auth.date, auth.region, auth.service);
  std::string expected = hex(hmac_sha256(key, string_to_sign(auth.amz_date, auth.scope(), creq)));
  if (!constant_time_equals(expected, auth.signature)) {
    return auth_status(AuthError::kSignatureDoesNotMatch,
                       "the request signature we calculated does not match the signature you "
                       "provided; check your key and signing method");
  }
  AuthResult r;
  r.access_key = auth.access_key;
  r.kind = auth.kind;
  r.payload = auth.payload;
  if (auth.payload == PayloadMode::kSha256) r.payload_sha256 = ascii_lower(auth.payload_hash);
  r.signing_key = std::move(key);
  r.seed_signature = auth.signature;
  r.amz_date = auth.amz_date;
  r.scope = auth.scope();
  return r;
}

Status ChunkSigner::verify_chunk(std::string_view data_sha256_hex, std::string_view signature) {
  std::string sts = "AWS4-HMAC-SHA256-PAYLOAD\n" + amz_date_ + "\n" + scope_ + "\n" + previous_ +
                    "\n" + std::string(kEmptySha256) + "\n" + std::string(data_sha256_hex);
  std::string expected = hex(hmac_sha256(signing_key_, sts));
  if (!constant_time_equals(expected, ascii_lower(signature))) {
    return auth_status(AuthError::kSignatureDoesNotMatch, "chunk signature does not match");
  }
  previous_ = std::move(expected);
  return Status::ok();
}

Status ChunkSigner::verify_trailer(std::string_view canonical_trailers,
                                   std::string_view signature) {
  std::string sts = "AWS4-HMAC-SHA256-TRAILER\n" + amz_date_ + "\n" + scope_ + "\n" + previous_ +
                    "\n" + hex(sha256(canonical_trailers));
  std::string expected = hex(hmac_sha256(signing_key_, sts));
  if (!constant_time_equals(expected, ascii_lower(signature))) {
    return auth_status(AuthError::kSignatureDoesNotMatch, "trailer signature does not match");
  }
  previous_ = std::move(expected);
  return Status::ok();
}

// ---------------------------------------------------------------- building blocks

std::string uri_encode(std::string_view s, bool encode_slash) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() * 3 / 2);
  for (unsigned char c : s) {
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_' || c == '.' || c == '~';
    if (unreserved || (c == '/' && !encode_slash)) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

Result<std::string> percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size()) {
      return auth_status(AuthError::kInvalidArgument,
                         "malformed percent-encoding in the request URI");
    }
    int hi = hex_digit_value(s[i + 1]), lo = hex_digit_value(s[i + 2]);
    if (hi < 0 || lo < 0) {
      return auth_status(AuthError::kInvalidArgument,
                         "malformed percent-encoding in the request URI");
    }
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

Result<QueryList> parse_query(std::string_view raw) {
  QueryList out;
  size_t start = 0;
  while (start < raw.size()) {
    size_t amp = raw.find('&', start);
    if (amp == std::string_view::npos) amp = raw.size();
    std::string_view item = raw.substr(start, amp - start);
    start = amp + 1;
    if (item.empty()) continue;
    size_t eq = item.find('=');
    std::string_view k = item.substr(0, eq);
    std::string_view v = eq == std::string_view::npos ? std::string_view() : item.substr(eq + 1);
    SKY_ASSIGN_OR_RETURN(std::string dk, percent_decode(k));
    SKY_ASSIGN_OR_RETURN(std::string dv, percent_decode(v));
    out.emplace_back(std::move(dk), std::move(dv));
  }
  return out;
}

std::string canonical_request(const SignableRequest& request,
                              const std::vector<std::string>& signed_headers,
                              std::string_view payload_hash, bool presigned) {
  std::string out = request.method;
  out += '\n';
  auto decoded = percent_decode(request.raw_path);
  std::string path = decoded.is_ok() ? uri_encode(*decoded, false) : request.raw_path;
  out += path.empty() ? "/" : path;
  out += '\n';

  std::vector<std::pair<std::string, std::string>> q;
  for (const auto& [k, v] : request.query) {
    if (presigned && k == "X-Amz-Signature") continue;
    q.emplace_back(uri_encode(k, true), uri_encode(v, true));
  }
  std::sort(q.begin(), q.end());
  for (size_t i = 0; i < q.size(); ++i) {
    if (i > 0) out += '&';
    out += q[i].first;
    out += '=';
    out += q[i].second;
  }
  out += '\n';

  for (const auto& name : signed_headers) {
    out += name;
    out += ':';
    bool first = true;
    for (const auto& [k, v] : request.headers) {
      if (!iequals(k, name)) continue;
      if (!first) out += ',';
      out += canonical_value(v);
      first = false;
    }
    out += '\n';
  }
  out += '\n';
  for (size_t i = 0; i < signed_headers.size(); ++i) {
    if (i > 0) out += ';';
    out += signed_headers[i];
  }
  out += '\n';
  out += payload_hash;
  return out;
}

std::string string_to_sign(std::string_view amz_date, std::string_view scope,
                           std::string_view canonical_request) {
  std::string out(kAlgorithm);
  out += '\n';
  out += amz_date;
  out += '\n';
  out += scope;
  out += '\n';
  out += hex(sha256(canonical_request));
  return out;
}

std::string signing_key(std::string_view secret, std::string_view date, std::string_view region,
                        std::string_view service) {
  // The key changes once a day per secret and scope, and deriving it is
  // four HMACs: each thread keeps the last few it derived. Keyed by the
  // secret itself, so a replaced secret never meets its predecessor's key.
  constexpr size_t kKept = 32;
  thread_local std::unordered_map<std::string, std::string> kept;
  std::string id;
  id.reserve(secret.size() + date.size() + region.size() + service.size() + 3);
  id.append(secret)
      .append(1, '\n')
      .append(date)
      .append(1, '\n')
      .append(region)
      .append(1, '\n')
      .append(service);
  if (auto it = kept.find(id); it != kept.end()) return it->second;
  std::string k = hmac_sha256("AWS4" + std::string(secret), date);
  k = hmac_sha256(k, region);
  k = hmac_sha256(k, service);
  k = hmac_sha256(k, "aws4_request");
  if (kept.size() >= kKept) {
    for (auto& [name, old] : kept) {
      OPENSSL_cleanse(const_cast<char*>(name.data()), name.size());
      OPENSSL_cleanse(old.data(), old.size());
    }
    kept.clear();
  }
  kept.emplace(std::move(id), k);
  return k;
}

std::string sha256(std::string_view data) {
  // As in hmac_sha256(): the one-shot SHA256() looks the digest up on every
  // call; fetched once per thread here.
  struct Md {
    EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ~Md() {
      EVP_MD_CTX_free(ctx);
      EVP_MD_free(md);
    }
  };
  thread_local Md m;
  unsigned char out[SHA256_DIGEST_LENGTH];
  unsigned int len = 0;
  if (m.md != nullptr && m.ctx != nullptr && EVP_DigestInit_ex(m.ctx, m.md, nullptr) == 1 &&
      EVP_DigestUpdate(m.ctx, data.data(), data.size()) == 1 &&
      EVP_DigestFinal_ex(m.ctx, out, &len) == 1 && len == sizeof out) {
    return std::string(reinterpret_cast<char*>(out), sizeof out);
  }
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), out);
  return std::string(reinterpret_cast<char*>(out), sizeof out);
}

std::string hex(std::string_view raw) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  out.reserve(raw.size() * 2);
  for (unsigned char c : raw) {
    out += kHex[c >> 4];
    out += kHex[c & 0xF];
  }
  return out;
}

bool constant_time_equals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::optional<std::chrono::system_clock::time_point> parse_amz_date(std::string_view s) {
  if (s.size() != 16 || s[8] != 'T' || s[15] != 'Z') return std::nullopt;
  auto num = [&](size_t pos, size_t len, int* out) {
    auto [p, ec] = std::from_chars(s.data() + pos, s.data() + pos + len, *out);
    return ec == std::errc() && p == s.data() + pos + len;
  };
  std::tm tm{};
  int y, mo, d, h, mi, se;
  if (!num(0, 4, &y) || !num(4, 2, &mo) || !num(6, 2, &d) || !num(9, 2, &h) || !num(11, 2, &mi) ||
      !num(13, 2, &se)) {
    return std::nullopt;
  }
  // Years outside [1970, 2200] overflow system_clock's nanoseconds (found by sigv4_fuzz).
  if (y < 1970 || y > 2200 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
      se > 60) {
    return std::nullopt;
  }
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = se;
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

std::string format_amz_date(std::chrono::system_clock::time_point t) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  size_t n = std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return std::string(buf, n);
}

}  // namespace skyarray::auth
