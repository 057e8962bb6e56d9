// Fuzzes S3 request addressing and header helpers: request-target parsing
// (path and virtual-hosted style), query decoding, Range, ETag lists, HTTP
// and ISO 8601 dates, checksum header names, x-amz-copy-source and user
// metadata values (RFC 2047 encoded-words).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "protocols/s3/s3_request.h"

using namespace skyarray::s3;
using namespace skyarray::auth;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  size_t split = in.find('\n');
  std::string_view host =
      split == std::string_view::npos ? std::string_view() : in.substr(0, split);
  std::string_view target = split == std::string_view::npos ? in : in.substr(split + 1);
  auto t = parse_target(target, host, {"s3.example.org", "localhost"});
  if (t.is_ok()) {
    // The canonical path re-encodes what was decoded: decoding it again gives the same bytes.
    auto once = percent_decode(t->raw_path);
    if (once.is_ok()) {
      auto again = percent_decode(uri_encode(*once, false));
      if (!again.is_ok() || *again != *once) std::abort();
    }
  }
  auto r = parse_range(in);
  if (r && r->first && r->last && *r->last < *r->first) std::abort();
  (void)parse_etag_list(in);
  (void)skyarray::parse_http_date(in);
  (void)skyarray::parse_iso8601(in);
  // A decoded metadata value goes out as printable ASCII that decodes back to it.
  std::string meta = decode_metadata_value(in);
  std::string wire = encode_metadata_value(meta);
  for (char c : wire) {
    if (c != '\t' && (c < 0x20 || c > 0x7e)) std::abort();
  }
  if (decode_metadata_value(wire) != meta && wire != meta) std::abort();
  (void)checksum_from_header_name(in);
  (void)parse_query(in);
  auto cs = parse_copy_source(in);
  if (cs.is_ok() && (cs->bucket.empty() || cs->key.empty())) std::abort();
  return 0;
}
