// Fuzzes the aws-chunked decoder in its three modes. The first input byte
// picks the mode and the split size, so the same body is also decoded in
// arbitrary pieces. Checks the decoder's promise: output never exceeds input.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "protocols/s3/aws_chunked_decoder.h"

using namespace skyarray::s3;
using namespace skyarray::auth;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  uint8_t mode = data[0] % 3;
  size_t step = 1 + (data[0] >> 2);
  std::vector<uint8_t> body(data + 1, data + size);
  std::optional<ChunkSigner> signer;
  if (mode != 0) {
    AuthResult a;
    a.signing_key = std::string(32, 'k');
    a.seed_signature = std::string(64, '0');
    a.amz_date = "20130524T000000Z";
    a.scope = "20130524/us-east-1/s3/aws4_request";
    signer.emplace(a);
  }
  AwsChunkedDecoder d(std::move(signer), mode == 2);
  size_t total_out = 0;
  for (size_t i = 0; i < body.size(); i += step) {
    size_t n = std::min(step, body.size() - i);
    auto got = d.decode(std::span<uint8_t>(body.data() + i, n));
    if (!got.is_ok()) return 0;
    if (*got > n) std::abort();
    total_out += *got;
  }
  (void)d.finish();
  if (d.decoded_bytes() != total_out) std::abort();
  return 0;
}
