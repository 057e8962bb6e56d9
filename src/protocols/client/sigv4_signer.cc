#include "protocols/client/sigv4_signer.h"

#include <algorithm>
#include <cctype>

#include "common/ascii.h"
#include "protocols/auth/sigv4.h"
#include "protocols/client/http_client.h"

namespace skyarray::s3 {

namespace {

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) {
    if (!out.empty()) out += ';';
    out += n;
  }
  return out;
}

// Splits "path?query" into the raw path and decoded query pairs.
void split_target(std::string_view target, std::string* path, auth::QueryList* query) {
  size_t q = target.find('?');
  *path = std::string(target.substr(0, q));
  query->clear();
  if (q != std::string_view::npos) {
    auto parsed = auth::parse_query(target.substr(q + 1));
    if (parsed.is_ok()) *query = std::move(parsed).value();
  }
}

}  // namespace

void SigV4Signer::sign(http::ClientRequest& request, std::string_view host,
                       std::chrono::system_clock::time_point now,
                       std::string_view payload_hash) const {
  std::string amz_date = auth::format_amz_date(now);
  std::string date = amz_date.substr(0, 8);
  std::string body_hash =
      payload_hash.empty() ? auth::hex(auth::sha256(request.body)) : std::string(payload_hash);

  auto& headers = request.headers;
  std::erase_if(headers, [](const auto& h) {
    return iequals(h.first, "authorization") || iequals(h.first, "x-amz-date") ||
           iequals(h.first, "x-amz-content-sha256");
  });
  bool has_host = std::any_of(headers.begin(), headers.end(),
                              [](const auto& h) { return iequals(h.first, "host"); });
  if (!has_host) headers.emplace_back("Host", std::string(host));
  headers.emplace_back("x-amz-date", amz_date);
  headers.emplace_back("x-amz-content-sha256", body_hash);
  if (!credentials_.session_token.empty()) {
    headers.emplace_back("x-amz-security-token", credentials_.session_token);
  }

  auth::SignableRequest signable;
  signable.method = request.method;
  split_target(request.target, &signable.raw_path, &signable.query);
  signable.headers = headers;
  std::vector<std::string> signed_headers;
  for (const auto& [name, value] : headers) signed_headers.push_back(ascii_lower(name));
  std::sort(signed_headers.begin(), signed_headers.end());
  signed_headers.erase(std::unique(signed_headers.begin(), signed_headers.end()),
                       signed_headers.end());

  std::string scope = date + "/" + region_ + "/" + service_ + "/aws4_request";
  std::string creq = auth::canonical_request(signable, signed_headers, body_hash, false);
  std::string key = auth::signing_key(credentials_.secret_key, date, region_, service_);
  std::string signature =
      auth::hex(auth::hmac_sha256(key, auth::string_to_sign(amz_date, scope, creq)));
  headers.emplace_back("Authorization",
                       "AWS4-HMAC-SHA256 Credential=" + credentials_.access_key + "/" + scope +
                           ", SignedHeaders=" + join(signed_headers) + ", Signature=" + signature);
}

std::string SigV4Signer::presign(std::string_view method, std::string_view raw_path,
                                 std::string_view host, int64_t expires_seconds,
                                 std::chrono::system_clock::time_point now) const {
  std::string amz_date = auth::format_amz_date(now);
  std::string date = amz_date.substr(0, 8);
  std::string scope = date + "/" + region_ + "/" + service_ + "/aws4_request";
  auth::SignableRequest signable;
  signable.method = std::string(method);
  signable.raw_path = std::string(raw_path);
  signable.query = {{"X-Amz-Algorithm", "AWS4-HMAC-SHA256"},
                    {"X-Amz-Credential", credentials_.access_key + "/" + scope},
                    {"X-Amz-Date", amz_date},
                    {"X-Amz-Expires", std::to_string(expires_seconds)},
                    {"X-Amz-SignedHeaders", "host"}};
  if (!credentials_.session_token.empty()) {
    signable.query.emplace_back("X-Amz-Security-Token", credentials_.session_token);
  }
  signable.headers = {{"host", std::string(host)}};
  std::string creq = auth::canonical_request(signable, {"host"}, "UNSIGNED-PAYLOAD", true);
  std::string key = auth::signing_key(credentials_.secret_key, date, region_, service_);
  std::string signature =
      auth::hex(auth::hmac_sha256(key, auth::string_to_sign(amz_date, scope, creq)));
  std::string target(raw_path);
  char sep = '?';
  for (const auto& [k, v] : signable.query) {
    target += sep;
    target += auth::uri_encode(k, true) + "=" + auth::uri_encode(v, true);
    sep = '&';
  }
  return target + "&X-Amz-Signature=" + signature;
}

}  // namespace skyarray::s3
