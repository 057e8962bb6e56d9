#include "protocols/s3/s3_request.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "common/ascii.h"
#include "common/encoding.h"
#include "protocols/s3/s3_errors.h"

namespace skyarray::s3 {

namespace {}  // namespace

bool S3Target::has(std::string_view name) const {
  return get(name).has_value();
}

std::optional<std::string_view> S3Target::get(std::string_view name) const {
  for (const auto& [k, v] : query) {
    if (k == name) return std::string_view(v);
  }
  return std::nullopt;
}

Result<S3Target> parse_target(std::string_view target, std::string_view host,
                              const std::vector<std::string>& domains) {
  S3Target t;
  if (target.empty() || target.front() != '/') {
    return s3_status(S3Error::kInvalidRequest, "the request target must be an absolute path");
  }
  size_t q = target.find('?');
  t.raw_path = std::string(target.substr(0, q));
  if (q != std::string_view::npos) {
    SKY_ASSIGN_OR_RETURN(t.query, auth::parse_query(target.substr(q + 1)));
  }
  SKY_ASSIGN_OR_RETURN(std::string path, auth::percent_decode(t.raw_path));

  std::string h = ascii_lower(trim(host));
  if (!h.empty() && h.front() != '[') {
    size_t colon = h.rfind(':');
    if (colon != std::string::npos) h.resize(colon);
  }
  for (const auto& domain : domains) {
    if (domain.empty() || h.size() <= domain.size() + 1) continue;
    if (h.compare(h.size() - domain.size(), domain.size(), domain) == 0 &&
        h[h.size() - domain.size() - 1] == '.') {
      t.bucket = h.substr(0, h.size() - domain.size() - 1);
      t.key = path.substr(1);
      t.virtual_host = true;
      return t;
    }
  }
  std::string_view rest = std::string_view(path).substr(1);
  size_t slash = rest.find('/');
  t.bucket = std::string(rest.substr(0, slash));
  if (slash != std::string_view::npos) t.key = std::string(rest.substr(slash + 1));
  return t;
}

Result<CopySource> parse_copy_source(std::string_view v) {
  CopySource cs;
  size_t q = v.find('?');
  if (q != std::string_view::npos) {
    Result<auth::QueryList> query = auth::parse_query(v.substr(q + 1));
    if (!query.is_ok()) return query.status();
    for (const auto& [k, val] : *query) {
      if (k == "versionId") cs.version_id = val;
    }
    v = v.substr(0, q);
  }
  Result<std::string> decoded = auth::percent_decode(v);
  if (!decoded.is_ok()) return decoded.status();
  std::string_view path = decoded.value();
  size_t start = path.substr(0, 1) == "/" ? 1 : 0;
  size_t slash = path.find('/', start);
  if (slash == std::string_view::npos || slash == start || slash + 1 == path.size()) {
    return s3_status(S3Error::kInvalidArgument, "copy source must be \"bucket/key\"");
  }
  cs.bucket = std::string(path.substr(start, slash - start));
  cs.key = std::string(path.substr(slash + 1));
  return cs;
}

namespace {

// One encoded-word at the start of `s`: its decoded bytes (as UTF-8) and
// length, or nullopt when `s` does not start with a well-formed one.
std::optional<std::pair<std::string, size_t>> encoded_word(std::string_view s) {
  if (s.substr(0, 2) != "=?") return std::nullopt;
  size_t q1 = s.find('?', 2);
  if (q1 == std::string_view::npos || q1 + 2 >= s.size() || s[q1 + 2] != '?') {
    return std::nullopt;
  }
  size_t end = s.find("?=", q1 + 3);
  if (end == std::string_view::npos) return std::nullopt;
  std::string charset = ascii_lower(s.substr(2, q1 - 2));
  if (size_t star = charset.find('*'); star != std::string::npos) charset.resize(star);  // RFC 2231
  char enc = static_cast<char>(std::toupper(static_cast<unsigned char>(s[q1 + 1])));
  std::string_view text = s.substr(q1 + 3, end - q1 - 3);
  if (text.find_first_of(" \t") != std::string_view::npos) return std::nullopt;
  std::string bytes;
  if (enc == 'B') {
    auto raw = base64_decode(text);
    if (!raw.is_ok()) return std::nullopt;
    bytes = std::move(*raw);
  } else if (enc == 'Q') {
    for (size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '_') {
        bytes += ' ';
      } else if (text[i] == '=') {
        if (i + 2 >= text.size()) return std::nullopt;
        auto hex = hex_decode(text.substr(i + 1, 2));
        if (!hex.is_ok()) return std::nullopt;
        bytes += *hex;
        i += 2;
      } else {
        bytes += text[i];
      }
    }
  } else {
    return std::nullopt;
  }
  if (charset == "iso-8859-1" || charset == "latin1") {
    std::string utf8;
    for (unsigned char c : bytes) {
      if (c < 0x80) {
        utf8 += static_cast<char>(c);
      } else {
        utf8 += static_cast<char>(0xC0 | (c >> 6));
        utf8 += static_cast<char>(0x80 | (c & 0x3F));
      }
    }
    bytes = std::move(utf8);
  } else if (charset != "utf-8" && charset != "us-ascii") {
    return std::nullopt;
  }
  return std::make_pair(std::move(bytes), end + 2);
}

}  // namespace

std::string decode_metadata_value(std::string_view value) {
  std::string out;
  size_t i = 0;
  bool after_word = false;
  while (i < value.size()) {
    if (auto w = encoded_word(value.substr(i))) {
      out += w->first;
      i += w->second;
      after_word = true;
      continue;
    }
    // Linear whitespace between two encoded-words is not part of the value.
    size_t ws = value.find_first_not_of(" \t", i);
    if (after_word && ws != i && ws != std::string_view::npos && encoded_word(value.substr(ws))) {
      i = ws;
      continue;
    }
    out += value[i++];
    after_word = false;
  }
  return out;
}

std::string encode_metadata_value(std::string_view value) {
  bool plain = std::all_of(value.begin(), value.end(),
                           [](char c) { return c == '\t' || (c >= 0x20 && c < 0x7f); });
  if (plain) return std::string(value);
  return "=?UTF-8?B?" + base64_encode(value) + "?=";
}

std::string quote_etag(std::string_view etag) {
  return "\"" + std::string(etag) + "\"";
}

std::string unquote_etag(std::string_view etag) {
  etag = trim(etag);
  if (etag.size() >= 2 && etag.substr(0, 2) == "W/") etag.remove_prefix(2);
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"')
    etag = etag.substr(1, etag.size() - 2);
  return std::string(etag);
}

std::vector<std::string> parse_etag_list(std::string_view value) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= value.size()) {
    size_t comma = value.find(',', start);
    if (comma == std::string_view::npos) comma = value.size();
    std::string e = unquote_etag(value.substr(start, comma - start));
    if (!e.empty()) out.push_back(std::move(e));
    start = comma + 1;
  }
  return out;
}

std::optional<services::ByteRange> parse_range(std::string_view value) {
  value = trim(value);
  constexpr std::string_view kPrefix = "bytes=";
  if (value.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  std::string_view spec = trim(value.substr(kPrefix.size()));
  if (spec.find(',') != std::string_view::npos) return std::nullopt;
  size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  std::string_view a = trim(spec.substr(0, dash)), b = trim(spec.substr(dash + 1));
  services::ByteRange r;
  if (a.empty()) {
    r.suffix = parse_u64(b);
    return r.suffix ? std::optional(r) : std::nullopt;
  }
  r.first = parse_u64(a);
  if (!r.first) return std::nullopt;
  if (!b.empty()) {
    r.last = parse_u64(b);
    if (!r.last || *r.last < *r.first) return std::nullopt;
  }
  return r;
}

std::string checksum_header_name(ChecksumAlgorithm algorithm) {
  return "x-amz-checksum-" + ascii_lower(checksum_algorithm_name(algorithm));
}

std::optional<ChecksumAlgorithm> checksum_from_header_name(std::string_view name) {
  constexpr std::string_view kPrefix = "x-amz-checksum-";
  std::string n = ascii_lower(name);
  if (n.size() <= kPrefix.size() || n.compare(0, kPrefix.size(), kPrefix) != 0) return std::nullopt;
  std::string_view alg = std::string_view(n).substr(kPrefix.size());
  if (alg == "md5" || alg == "mode" || alg == "algorithm" || alg == "type") return std::nullopt;
  return parse_checksum_algorithm(alg);
}

std::string checksum_wire_value(const services::ObjectChecksum& checksum) {
  std::string v = base64_encode(checksum.digest);
  if (checksum.composite) v += "-" + std::to_string(checksum.parts);
  return v;
}

Result<uint32_t> bounded_param(const S3Target& t, std::string_view name, uint32_t def) {
  auto v = t.get(name);
  if (!v) return def;
  int64_t n = 0;
  auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (v->empty() || ec != std::errc() || p != v->data() + v->size() || n < 0) {
    return s3_status(S3Error::kInvalidArgument,
                     std::string(name) + " must be a non-negative integer");
  }
  return static_cast<uint32_t>(std::min<int64_t>(n, 1000));
}

Result<bool> url_encoding(const S3Target& t) {
  auto v = t.get("encoding-type");
  if (!v) return false;
  if (*v != "url") {
    return s3_status(S3Error::kInvalidArgument, "invalid Encoding Method specified in Request");
  }
  return true;
}

}  // namespace skyarray::s3
