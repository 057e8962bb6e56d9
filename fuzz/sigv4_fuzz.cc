// Fuzzes SigV4 parsing and verification: the Authorization header, the
// presigned query string and the canonical request built from them. Input
// layout: method \n target \n header lines ("Name: value") ... Nothing may
// crash, hang or read out of bounds; results are ignored.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "protocols/auth/sigv4.h"
#include "protocols/s3/s3_request.h"

using namespace skyarray::auth;
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
  HeaderPairs headers;
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
  SignableRequest req{method, t->raw_path, t->query, headers};
  auto auth = parse_auth(req);
  if (!auth.is_ok()) return 0;
  auto now = *parse_amz_date("20130524T000000Z");
  auto res = verify(*auth, req, "secret", now);
  if (res.is_ok() && is_streaming(res->payload)) {
    ChunkSigner signer(*res);
    (void)signer.verify_chunk(kEmptySha256, res->seed_signature);
  }
  return 0;
}
