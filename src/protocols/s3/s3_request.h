// S3 request addressing and header conventions.
//
// Addressing: virtual-hosted style when the Host header is "<bucket>.<domain>"
// for one of the configured domains (e.g. "s3.example.org"), path style
// ("/<bucket>/<key>") otherwise. The key is the percent-decoded rest of the
// path, byte for byte (a key may contain "//", trailing "/", spaces, UTF-8).
//
// Header helpers translate between S3's header spellings and the object
// service's types: HTTP dates, quoted ETags, Range, conditions, user metadata
// and checksum headers. Everything here is pure and fuzzable.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/checksum.h"
#include "common/status.h"
#include "common/time.h"
#include "protocols/auth/sigv4.h"
#include "services/objects/object_types.h"

namespace skyarray::s3 {

struct S3Target {
  std::string raw_path;   // as sent, without the query
  std::string bucket;     // empty for service-level requests (ListBuckets)
  std::string key;        // decoded; empty for bucket-level requests
  auth::QueryList query;  // decoded
  bool virtual_host = false;

  bool has(std::string_view name) const;
  std::optional<std::string_view> get(std::string_view name) const;
};

// Query parameters shared by the listing operations. A non-negative integer
// (capped at 1000, as S3 caps page sizes), `def` when absent; InvalidArgument
// otherwise.
Result<uint32_t> bounded_param(const S3Target& t, std::string_view name, uint32_t def);
// encoding-type: absent → false, "url" → true, anything else InvalidArgument.
Result<bool> url_encoding(const S3Target& t);

// `target` is the HTTP request-target, `host` the Host header (may be empty).
// Fails with InvalidURI-style InvalidArgument on malformed escapes or a
// request-target that is not an absolute path.
Result<S3Target> parse_target(std::string_view target, std::string_view host,
                              const std::vector<std::string>& domains);

// x-amz-copy-source: "/bucket/key?versionId=v" or "bucket/key", URL-encoded.
struct CopySource {
  std::string bucket;
  std::string key;
  std::optional<std::string> version_id;
};
Result<CopySource> parse_copy_source(std::string_view value);

// ---- user metadata values (x-amz-meta-*), as S3 treats non-ASCII ones:
// RFC 2047 encoded-words in a request are decoded before the value is
// stored, and a stored value that is not printable ASCII goes out as one
// encoded-word.
//
// Decodes every well-formed "=?charset?B|Q?text?=" word (charsets UTF-8,
// US-ASCII, ISO-8859-1, any case; whitespace between two adjacent words
// dropped, as RFC 2047 section 6.2 says). Anything else is kept verbatim,
// raw UTF-8 included.
std::string decode_metadata_value(std::string_view value);
// `value` unchanged when every byte is printable ASCII (or a tab), else
// "=?UTF-8?B?<base64 of the bytes>?=".
std::string encode_metadata_value(std::string_view value);

// ---- ETags and conditions
std::string quote_etag(std::string_view etag);
std::string unquote_etag(std::string_view etag);
// "\"a\", \"b\"" or "*" → unquoted list.
std::vector<std::string> parse_etag_list(std::string_view value);

// "bytes=0-9", "bytes=5-", "bytes=-10". nullopt for anything else (S3
// ignores a Range header it cannot parse, including multi-range).
std::optional<services::ByteRange> parse_range(std::string_view value);

// ---- checksums: "x-amz-checksum-crc32c" etc.
std::string checksum_header_name(ChecksumAlgorithm algorithm);
// The algorithm named by a header like "x-amz-checksum-sha256" (any case).
std::optional<ChecksumAlgorithm> checksum_from_header_name(std::string_view name);
// Wire value: base64(digest), "-N" suffix for composite checksums.
std::string checksum_wire_value(const services::ObjectChecksum& checksum);

}  // namespace skyarray::s3
