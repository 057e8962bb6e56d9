#include "services/audit/audit_record.h"

#include <boost/json.hpp>

#include "common/checksum.h"
#include "common/encoding.h"
#include "common/utf8.h"

namespace json = boost::json;

namespace skyarray::services::audit {

namespace {

constexpr std::string_view kHashKey = ",\"hash\":\"";
// `,"hash":"` + 64 hex digits + `"}`.
constexpr size_t kHashSuffixSize = kHashKey.size() + 64 + 2;

// Names and keys are client text: a byte string that is not UTF-8 is kept
// as hex so that every line stays JSON any parser accepts.
std::string text(std::string_view s) {
  if (is_valid_utf8(s)) return std::string(s);
  return "hex:" + hex_encode(s);
}

void put_if(json::object& o, std::string_view key, std::string_view value) {
  if (!value.empty()) o[key] = text(value);
}

bool is_lower_hex64(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

Status bad(std::string_view what) {
  return Status::invalid_argument("not an audit record: " + std::string(what));
}

// A member that must be present with the right type when `required`.
bool read_string(const json::object& o, std::string_view key, std::string* out, bool required) {
  const json::value* v = o.if_contains(key);
  if (!v) return !required;
  if (!v->is_string()) return false;
  *out = std::string(v->as_string());
  return true;
}

bool read_u64(const json::object& o, std::string_view key, uint64_t* out, bool required) {
  const json::value* v = o.if_contains(key);
  if (!v) return !required;
  if (v->is_uint64()) {
    *out = v->as_uint64();
  } else if (v->is_int64() && v->as_int64() >= 0) {
    *out = static_cast<uint64_t>(v->as_int64());
  } else {
    return false;
  }
  return true;
}

}  // namespace

std::string sha256_hex(std::string_view bytes) {
  auto sum = Checksum::create(ChecksumAlgorithm::kSha256);
  // SHA-256 is always available from OpenSSL's default provider.
  (*sum)->update(bytes);
  return hex_encode((*sum)->finish());
}

std::string encode_audit_record(AuditRecord& r) {
  json::object o;
  o["v"] = kAuditFormatVersion;
  o["seq"] = r.seq;
  o["seg"] = r.segment;
  o["time"] = r.time;
  o["type"] = r.type;
  if (r.type == "seal") {
    o["records"] = r.records;
    if (r.torn) o["torn"] = r.torn;
  } else {
    put_if(o, "op", r.op);
    put_if(o, "user", r.user);
    put_if(o, "key", r.access_key);
    put_if(o, "src", r.source);
    put_if(o, "bucket", r.bucket);
    put_if(o, "object", r.object);
    o["status"] = r.status;
    o["in"] = r.bytes_in;
    o["out"] = r.bytes_out;
    put_if(o, "rid", r.request_id);
  }
  o["prev"] = r.prev;
  std::string line = json::serialize(o);
  line.pop_back();  // the closing brace
  r.hash = sha256_hex(line);
  line += kHashKey;
  line += r.hash;
  line += "\"}";
  return line;
}

Result<ParsedAuditLine> parse_audit_line(std::string_view line) {
  if (line.size() < kHashSuffixSize) return bad("too short");
  std::string_view body = line.substr(0, line.size() - kHashSuffixSize);
  std::string_view suffix = line.substr(body.size());
  if (suffix.substr(0, kHashKey.size()) != kHashKey || !suffix.ends_with("\"}")) {
    return bad("does not end with its hash");
  }
  std::string_view hash = suffix.substr(kHashKey.size(), 64);
  if (!is_lower_hex64(hash)) return bad("malformed hash");

  boost::system::error_code ec;
  json::value v = json::parse(line, ec);
  if (ec || !v.is_object()) return bad("not a JSON object");
  const json::object& o = v.as_object();
  ParsedAuditLine out;
  AuditRecord& r = out.record;
  uint64_t version = 0, status = 0;
  std::string parsed_hash;
  if (!read_u64(o, "v", &version, true) || version != kAuditFormatVersion) {
    return bad("unknown version");
  }
  if (!read_u64(o, "seq", &r.seq, true) || !read_u64(o, "seg", &r.segment, true) ||
      !read_string(o, "time", &r.time, true) || !read_string(o, "type", &r.type, true) ||
      !read_string(o, "prev", &r.prev, true) || !read_string(o, "hash", &parsed_hash, true)) {
    return bad("a required member is missing or mistyped");
  }
  if (parsed_hash != hash || !is_lower_hex64(r.prev)) return bad("malformed chain members");
  if (r.type == "seal") {
    if (!read_u64(o, "records", &r.records, true) || !read_u64(o, "torn", &r.torn, false)) {
      return bad("malformed seal");
    }
  } else if (r.type == "s3" || r.type == "admin") {
    if (!read_string(o, "op", &r.op, false) || !read_string(o, "user", &r.user, false) ||
        !read_string(o, "key", &r.access_key, false) || !read_string(o, "src", &r.source, false) ||
        !read_string(o, "bucket", &r.bucket, false) ||
        !read_string(o, "object", &r.object, false) || !read_u64(o, "status", &status, true) ||
        status > 999 || !read_u64(o, "in", &r.bytes_in, true) ||
        !read_u64(o, "out", &r.bytes_out, true) || !read_string(o, "rid", &r.request_id, false)) {
      return bad("malformed request record");
    }
    r.status = static_cast<unsigned>(status);
  } else {
    return bad("unknown type");
  }
  r.hash = std::string(hash);
  out.hash_matches = sha256_hex(body) == hash;
  return out;
}

}  // namespace skyarray::services::audit
