// Fuzzes SigV2 parsing and verification: the "AWS id:sig" Authorization
// header, the AWSAccessKeyId/Expires/Signature query, the request dates and
// the canonicalized resource and StringToSign built from them. Input layout:
// method \n target \n header lines ("Name: value") ... Nothing may crash,
// hang or read out of bounds; results are ignored.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "protocols/s3/s3_request.h"
#include "protocols/s3/sigv2.h"

using namespace skyarray::s3;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  size_t nl = in.find('\n');
  if (nl == std::string_view::npos) return 0;
  std::string method(in.substr(0, nl));
  in.remove_prefix(nl + 1);
  nl = in.find('\n');
  std::string target(in.substr(0, nl));
  in.remove_prefix(nl == std::string_view::npos ? in.size() : nl + 1);
  skyarray::auth::HeaderPairs headers;
  while (!in.empty()) {
    nl = in.find('\n');
    std::string_view line = in.substr(0, nl);
    in.remove_prefix(nl == std::string_view::npos ? in.size() : nl + 1);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    headers.emplace_back(std::string(line.substr(0, colon)), std::string(line.substr(colon + 1)));
  }
  auto t = parse_target(target, "bucket.s3.example.org", {"s3.example.org"});
  if (!t.is_ok()) return 0;
  skyarray::auth::SignableRequest req{method, t->raw_path, t->query, headers};
  size_t q = target.find('?');
  std::string_view raw_query =
      q == std::string::npos ? std::string_view() : std::string_view(target).substr(q + 1);
  std::string resource = sigv2_canonical_resource(t->bucket, t->raw_path, raw_query);
  (void)sigv2_string_to_sign(req, true, resource);
  if (!is_sigv2(req)) return 0;
  auto auth = parse_sigv2(req, true);
  if (!auth.is_ok()) return 0;
  auto now = std::chrono::system_clock::from_time_t(1175139620);
  (void)verify_sigv2(*auth, req, resource, "secret", now);
  return 0;
}
